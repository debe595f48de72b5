#!/usr/bin/env node
// bench/report.js: turns the per-run JSON reports of bench/compare into the ratio table.
//   node bench/report.js RUN_DIR OUT_BASE "command line"
// RUN_DIR holds one folder per round (round-1, round-2, ...; or the files themselves, for one round): ours-<metric>.json,
// theirs-<metric>.json (same shape: phases[].unitsPerSecond) and cpu-<side>-<metric>.txt (one-line CPU summaries from
// top). With several rounds, each metric's ratio is the median of the rounds' ratios (ours and theirs are each their
// median too), and latency and CPU come from the round whose ratio is that median. Writes OUT_BASE.md and OUT_BASE.json
// and prints the Markdown table on stdout.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');

const [runDir, outBase, commandLine] = process.argv.slice(2);
if (!runDir || !outBase) {
  console.error('usage: node bench/report.js RUN_DIR OUT_BASE [command line]');
  process.exit(2);
}

const metrics = [
  { key: 'single', label: 'single durable writes/s, concurrency 16', ours: 'writes', theirs: 'put', goal: 3,
    peer: 'pouchdb-server 4.2.0: PUT /db/{new id}, one doc per request' },
  { key: 'bulk', label: 'bulk items/s, 100 per request, concurrency 16', ours: 'bulk', theirs: 'bulk', goal: 1,
    peer: 'pouchdb-server 4.2.0: POST /db/_bulk_docs, 100 docs per request' },
  { key: 'changes', label: 'change rows/s, page 500, 16 readers', ours: 'read', theirs: 'read', goal: 3,
    peer: 'pouchdb-server 4.2.0: GET /db/_changes?limit=500&since=…&include_docs=true' },
  { key: 'nochange', label: 'no-change sync round trips/s, concurrency 16', ours: 'nochange', theirs: 'hello', goal: 0.4,
    peer: 'ASP.NET Core minimal API hello-world (GET / → "hello"), Release, Kestrel' },
];

function load(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return null; }
}

function readText(file) {
  try { return fs.readFileSync(file, 'utf8').trim(); } catch { return ''; }
}

function phase(report, name) {
  return report && Array.isArray(report.phases) ? report.phases.find(p => p.name === name) : undefined;
}

// DeviceSync.LoadTest's report is clean when no phase has a server-side error and nothing was violated.
function oursClean(r) {
  if (!r) return false;
  const serverError = (r.phases || []).some(p => Object.keys(p.errors || {}).some(k => /^(5|timeout|transport|protocol)/.test(k)));
  return !serverError && Object.keys(r.violations || {}).length === 0;
}

const fmt = n => (n === undefined || n === null || Number.isNaN(n)) ? 'n/a'
  : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
const fmtRatio = r => (r === undefined || !Number.isFinite(r)) ? 'n/a' : r >= 10 ? r.toFixed(1) + '×' : r.toFixed(2) + '×';

function measure(m, dir) {
  const ours = load(path.join(dir, `ours-${m.key}.json`));
  const theirs = load(path.join(dir, `theirs-${m.key}.json`));
  const op = phase(ours, m.ours);
  const tp = phase(theirs, m.theirs);
  const o = op ? op.unitsPerSecond : undefined;
  const t = tp ? tp.unitsPerSecond : undefined;
  const ratio = (o !== undefined && t) ? o / t : undefined;
  return {
    metric: m.key,
    label: m.label,
    peer: m.peer,
    ours: o, theirs: t, ratio, goal: m.goal,
    met: ratio === undefined ? null : ratio >= m.goal,
    oursClean: oursClean(ours),
    theirsClean: theirs ? theirs.clean === true : false,
    oursLatencyMs: op ? op.latencyMs : null,
    theirsLatencyMs: tp ? tp.latencyMs : null,
    oursChecks: ours ? ours.checks : [],
    theirsChecks: theirs ? theirs.checks : [],
    oursErrors: op ? op.errors : null,
    theirsErrors: tp ? tp.errors : null,
    cpuOurs: readText(path.join(dir, `cpu-ours-${m.key}.txt`)),
    cpuTheirs: readText(path.join(dir, `cpu-theirs-${m.key}.txt`)),
    reports: { ours, theirs },
  };
}

const roundDirs = fs.readdirSync(runDir).filter(d => /^round-\d+$/.test(d))
  .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6))).map(d => path.join(runDir, d));
const rounds = roundDirs.length > 0 ? roundDirs : [runDir];
const median = xs => {
  const v = xs.filter(x => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  return v.length === 0 ? undefined : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

const rows = metrics.map(m => {
  const each = rounds.map(dir => measure(m, dir));
  if (each.length === 1) return { ...each[0], rounds: [] };
  const ratio = median(each.map(r => r.ratio));
  // The round whose ratio is closest to the median stands for the run in the latency and CPU lines.
  const typical = each.reduce((best, r) => Math.abs((r.ratio ?? Infinity) - ratio) < Math.abs((best.ratio ?? Infinity) - ratio) ? r : best);
  return {
    ...typical,
    ours: median(each.map(r => r.ours)),
    theirs: median(each.map(r => r.theirs)),
    ratio,
    met: ratio === undefined ? null : ratio >= m.goal,
    oursClean: each.every(r => r.oursClean),
    theirsClean: each.every(r => r.theirsClean),
    rounds: each.map(r => ({ ours: r.ours, theirs: r.theirs, ratio: r.ratio, oursClean: r.oursClean, theirsClean: r.theirsClean, reports: r.reports })),
  };
});

const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const table = [
  '| metric | ours | theirs | ratio (ours/theirs) | goal | met? |',
  '| --- | ---: | ---: | ---: | ---: | :---: |',
  ...rows.map(r => `| ${r.label} | ${fmt(r.ours)} | ${fmt(r.theirs)} | **${fmtRatio(r.ratio)}** | ≥ ${r.goal}× | ${r.met === null ? 'n/a' : r.met ? 'yes' : 'no'} |`),
].join('\n');

const latency = [
  '| metric | ours p50 / p99 ms | theirs p50 / p99 ms | runs clean (ours, theirs) |',
  '| --- | ---: | ---: | --- |',
  ...rows.map(r => {
    const l = x => x ? `${x.p50.toFixed(1)} / ${x.p99.toFixed(1)}` : 'n/a';
    return `| ${r.metric} | ${l(r.oursLatencyMs)} | ${l(r.theirsLatencyMs)} | ${r.oursClean ? 'yes' : 'NO'}, ${r.theirsClean ? 'yes' : 'NO'} |`;
  }),
].join('\n');

const perRound = rounds.length === 1 ? '' : `
Every round (ours / theirs = ratio; the table above gives the medians):

| metric | ${rounds.map((_, i) => `round ${i + 1}`).join(' | ')} |
| --- | ${rounds.map(() => '---:').join(' | ')} |
${rows.map(r => `| ${r.metric} | ${r.rounds.map(x => `${fmt(x.ours)} / ${fmt(x.theirs)} = ${fmtRatio(x.ratio)}`).join(' | ')} |`).join('\n')}
`;

const cpu = rows.map(r => `- ${r.metric}, ours: ${r.cpuOurs || '(no sample)'}\n- ${r.metric}, theirs: ${r.cpuTheirs || '(no sample)'}`).join('\n');
const checks = rows.map(r => [...(r.oursChecks || []).map(c => `- ${r.metric}, ours: ${c}`), ...(r.theirsChecks || []).map(c => `- ${r.metric}, theirs: ${c}`)].join('\n')).filter(Boolean).join('\n');

const md = `# bench/compare, ${when}

\`${commandLine || 'bench/compare'}\` on ${os.hostname()} (${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB).
Ours: DeviceSync (gateway + 2 silos + 3 Azurite replicas, W = 2 of 3) driven by DeviceSync.LoadTest.
Theirs: see below, driven by bench/PeerLoad (same .NET HttpClient stack). One load at a time.

${table}
${perRound}
Peers:
${rows.map(r => `- ${r.metric}: ${r.peer}`).join('\n')}

Latency and cleanliness:

${latency}

CPU by process, from \`top\` (one 3 s frame, ~8 s into each run; % of one core; "others" are processes outside this benchmark):
${cpu}

Checks:
${checks}
`;

fs.mkdirSync(path.dirname(outBase), { recursive: true });
fs.writeFileSync(outBase + '.md', md);
fs.writeFileSync(outBase + '.json', JSON.stringify({
  generatedAt: when, command: commandLine, host: os.hostname(), cores: os.cpus().length,
  results: rows,
}, null, 2) + '\n');
process.stdout.write(table + '\n' + perRound + '\n' + latency + '\n');
