#!/usr/bin/env node
// bench/azurite-profile.js: where an Azurite replica's CPU goes, from a V8 .cpuprofile (node --cpu-prof).
//   node bench/azurite-profile.js FILE.cpuprofile
// Each sample is given to the first category whose marker frame is on its stack (so a guard merge's index update counts
// as the merge, not as Loki); what no marker claims is the request's own handling (HTTP parse, routing, middleware,
// the shared-key check). Idle time and the process's start (module loading) are left out of the shares.
// How the profile was taken: docs/benchmarks.md, "Where a storage replica's time goes".
'use strict';
const fs = require('fs');
const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/azurite-profile.js FILE.cpuprofile');
  process.exit(2);
}

const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map(n => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);

// Order matters: the first category whose marker is on the stack takes the sample.
const categories = [
  ['(left out) start-up', ['executeUserEntryPoint', 'Module._load']],
  ['(left out) idle', ['(idle)']],
  ['insert of an entity (batch insert)', ['handleBatchInsert']],
  ['guard merge (batch merge)', ['handleBatchMerge']],
  ['delete (compaction after a snapshot)', ['handleBatchDelete']],
  ['queries', ['queryEntities']],
  ['saving the database file (Loki autosave)', ['saveDatabase', 'saveDatabaseInternal', 'autosaveHandleInterval']],
  ['sending the answer (socket writev)', ['writev', 'writevGeneric', '_writeGeneric']],
  ['batch body parse and answer serialisation', ['deserializeBatchRequest', 'processBatchRequestAndSerializeResponse', 'extractBatchBoundary']],
  ['garbage collector', ['(garbage collector)']],
];
const other = "the request's own handling (HTTP, routing, middleware, auth)";

const selfTime = new Map();
profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) || 0) + profile.timeDeltas[i]));

const totals = new Map();
for (const [id, micros] of selfTime) {
  const stack = new Set();
  for (let x = id; x !== undefined; x = parent.get(x)) stack.add(byId.get(x).callFrame.functionName);
  const hit = categories.find(([, markers]) => markers.some(m => stack.has(m)));
  const name = hit ? hit[0] : other;
  totals.set(name, (totals.get(name) || 0) + micros);
}

const busy = [...totals].filter(([name]) => !name.startsWith('(left out)')).reduce((sum, [, t]) => sum + t, 0);
console.log(`busy ${(busy / 1e6).toFixed(2)} s of CPU samples`);
for (const [name, micros] of [...totals].sort((a, b) => b[1] - a[1])) {
  const share = name.startsWith('(left out)') ? '' : `${((100 * micros) / busy).toFixed(1)} %`;
  console.log(`${(micros / 1e6).toFixed(2).padStart(7)} s ${share.padStart(7)}  ${name}`);
}
