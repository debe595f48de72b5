#!/usr/bin/env node
// bench/top-summary.js: one line of CPU per role from the last frame of `top -b -c -n 2` output.
//   node bench/top-summary.js TOP_RAW ROLES_FILE
// ROLES_FILE has "pid role" lines for the processes of this benchmark; every other process counts as
// "others" (the machine is shared), with the busiest named.
'use strict';
const fs = require('fs');
const [rawFile, rolesFile] = process.argv.slice(2);
const raw = fs.readFileSync(rawFile, 'utf8');
const roles = new Map();
for (const line of fs.readFileSync(rolesFile, 'utf8').split('\n')) {
  const [pid, ...role] = line.trim().split(/\s+/);
  if (pid && role.length) roles.set(pid, role.join(' '));
}

const frames = raw.split(/^top - /m).filter(Boolean);
const frame = frames[frames.length - 1] || '';
const idle = (frame.match(/^%Cpu.*?([\d.]+)\s*id/m) || [])[1];
const load = (frame.match(/load average:\s*([\d.]+)/) || [])[1];
const sums = new Map();
const others = new Map();
let othersTotal = 0;
let inTable = false;
for (const line of frame.split('\n')) {
  if (/^\s*PID\s+USER/.test(line)) { inTable = true; continue; }
  if (!inTable || !line.trim()) continue;
  const f = line.trim().split(/\s+/);
  const pid = f[0];
  const cpu = parseFloat(f[8]);
  if (!Number.isFinite(cpu) || cpu <= 0) continue;
  const role = roles.get(pid);
  if (role) {
    sums.set(role, (sums.get(role) || 0) + cpu);
  } else {
    othersTotal += cpu;
    const cmd = f.slice(11).join(' ');
    const name = /DeviceSync\.(\w+)\.dll/.test(cmd) ? `${cmd.match(/DeviceSync\.(\w+)\.dll/)[1]} (another session)`
      : /azurite/.test(cmd) ? 'azurite (another session)'
      : /\/csc |Roslyn/.test(cmd) ? 'csc'
      : /MSBuild|dotnet build|dotnet test/.test(cmd) ? 'dotnet build/test'
      : (f[11] || '?').split('/').pop();
    others.set(name, (others.get(name) || 0) + cpu);
  }
}

const fmt = m => [...m.entries()].sort((a, b) => b[1] - a[1]).filter(([, v]) => v >= 1).map(([k, v]) => `${k} ${Math.round(v)}%`).join(', ');
const busiest = [...others.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4);
console.log(`${fmt(sums) || '(nothing of ours busy)'}; others ${Math.round(othersTotal)}%` +
  (busiest.length ? ` (${fmt(new Map(busiest))})` : '') +
  `; machine idle ${idle ?? '?'}%, load average ${load ?? '?'}`);
