#!/usr/bin/env node
// Live-training pace and restore time of weights files in the page's wasm build (Node, one
// thread, the page's default options: batch 64, restorer on). Each file trains as the page would
// continue it ("pretrained"); the first file also from scratch ("fresh"). Rounds alternate
// between them so that load from other processes falls on all alike. Needs www/pkg (release).
//
// Usage: node scripts/live-speed.mjs [--rounds 4] [--steps 32] [--plain] FILE.dgw [FILE.dgw ...]
//   --plain: the no-SIMD fallback module (digitgan_plain_bg.wasm) instead of the simd128 one
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args, positionals: files } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '4' },
    steps: { type: 'string', default: '32' },
    plain: { type: 'boolean', default: false },
  },
});
if (!files.length) throw new Error('usage: node scripts/live-speed.mjs [--rounds N] [--steps N] FILE.dgw ...');
const root = new URL('..', import.meta.url).pathname;
const pkg = await import(`${root}www/pkg/digitgan.js`);
const wasm = args.plain ? 'digitgan_plain_bg.wasm' : 'digitgan_bg.wasm';
await pkg.default({ module_or_path: readFileSync(`${root}www/pkg/${wasm}`) });
console.log(`www/pkg/${wasm}`);
const data = readFileSync(`${root}assets/mnist-subset.bin.gz`);

const runs = files.map((f) => [basename(f), new pkg.DigitGan(data, readFileSync(f), 1)]);
const fresh = new pkg.DigitGan(data, readFileSync(files[0]), 1);
fresh.reset(5, null);
runs.push([`fresh start (after ${basename(files[0])})`, fresh]);

const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
const rate = Object.fromEntries(runs.map(([name]) => [name, []]));
for (const [, g] of runs) g.train(16); // warm-up (wasm tier-up)
for (let r = 0; r < Number(args.rounds); r++) {
  for (const [name, g] of runs) {
    const t = performance.now();
    g.train(Number(args.steps));
    rate[name].push(Number(args.steps) / ((performance.now() - t) / 1000));
  }
}
console.log('| weights | steps/s (median) | by round | restore ms (median of 30) |\n|---|---|---|---|');
for (const [name, g] of runs) {
  const img = g.digits('test', 1, 1).images;
  const ms = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    g.restore(img, null);
    ms.push(performance.now() - t);
  }
  console.log(`| ${name} | ${median(rate[name]).toFixed(2)} | ${rate[name].map((x) => x.toFixed(1)).join(' ')} | ${median(ms).toFixed(2)} |`);
}
