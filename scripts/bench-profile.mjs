#!/usr/bin/env node
// Where the time of one DigitGAN design-preset training step goes in wasm (issue #6): runs the
// BenchTrainer hook of src/web.rs in Node (same V8 as Chromium) under V8's sampling profiler and
// sums self time per function and per category (matmul kernel, element-wise, memory, autodiff…).
//   node scripts/bench-profile.mjs [--pkg DIR] [--steps 200] [--top 25] [--json FILE]
// The package needs wasm function names: wasm-bindgen keeps them, `wasm-opt` without -g drops
// them, so point --pkg at a build without wasm-opt (e.g. `wasm-bindgen --target web --out-dir
// /tmp/prof-pkg target/wasm32-unknown-unknown/release/digitgan.wasm`, or PROFILE=fast output).
import fs from 'node:fs';
import path from 'node:path';
import inspector from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values: opts } = parseArgs({
  options: {
    pkg: { type: 'string', default: 'bench/pkg' },
    steps: { type: 'string', default: '200' },
    top: { type: 'string', default: '25' },
    json: { type: 'string' },
  },
});
const pkgDir = path.resolve(root, opts.pkg);
const steps = Number(opts.steps);
const top = Number(opts.top);

// Categories, first match wins (names are Rust paths as the wasm name section has them).
const CATEGORIES = [
  ['matmul: gemm micro-kernel', /gemm_f32::microkernel/],
  ['matmul: packing and driver', /gemm/i],
  ['memory: alloc, zero, free, copy', /alloc|dlmalloc|free|memcpy|memmove|memset|RawVec|to_vec|clone/i],
  ['scalar math (exp, tanh, log)', /expm1f|expf|tanhf|logf|log1pf|libm|powf/i],
  ['element-wise and reductions (burn-flex)', /burn_flex|macerator/i],
  ['autodiff graph (burn-autodiff)', /burn_autodiff|burn_std|hash/i],
  ['optimizer (Adam)', /burn_optim|adam/i],
  ['batch, rng, step glue', /digitgan|rand|StdRng|chacha/i],
];

function categoryOf(name) {
  for (const [c, re] of CATEGORIES) if (re.test(name)) return c;
  return 'other';
}

const pkg = await import(path.join(pkgDir, 'digitgan.js'));
await pkg.default({ module_or_path: fs.readFileSync(path.join(pkgDir, 'digitgan_bg.wasm')) });
const trainer = new pkg.BenchTrainer(fs.readFileSync(path.join(root, 'assets/mnist-subset.bin.gz')), 'design', 1);
trainer.steps(20); // warm-up (tier-up to optimised code)

const session = new inspector.Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 }); // µs
await session.post('Profiler.start');
const t0 = performance.now();
trainer.steps(steps);
const ms = performance.now() - t0;
const { profile } = await session.post('Profiler.stop');
session.disconnect();

// Self time per node from the samples.
const dt = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  dt.set(id, (dt.get(id) || 0) + (profile.timeDeltas[i] || 0));
}
const byFn = new Map();
let total = 0;
for (const n of profile.nodes) {
  const t = dt.get(n.id) || 0;
  if (!t) continue;
  const name = n.callFrame.functionName || `(${n.callFrame.url || 'anonymous'})`;
  byFn.set(name, (byFn.get(name) || 0) + t);
  total += t;
}
const byCat = new Map();
for (const [name, t] of byFn) byCat.set(categoryOf(name), (byCat.get(categoryOf(name)) || 0) + t);
const pct = (t) => ((100 * t) / total).toFixed(1).padStart(5);
const perStep = (t) => ((t / 1000 / steps) * (ms / (total / 1000))).toFixed(2);

console.log(`${steps} design-preset steps in ${ms.toFixed(0)} ms: ${(ms / steps).toFixed(2)} ms/step (${((1000 * steps) / ms).toFixed(1)} steps/s), Node ${process.version}`);
console.log('\n| category | share | ms/step |\n|---|---|---|');
for (const [c, t] of [...byCat].sort((a, b) => b[1] - a[1])) console.log(`| ${c} | ${pct(t)}% | ${perStep(t)} |`);
console.log(`\ntop ${top} functions by self time:`);
for (const [name, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${pct(t)}%  ${name.length > 150 ? name.slice(0, 147) + '…' : name}`);
}
const jsonOut = opts.json ?? null;
if (jsonOut) {
  fs.writeFileSync(
    jsonOut,
    JSON.stringify({ steps, ms, categories: Object.fromEntries(byCat), functions: [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 100) }, null, 2),
  );
}
