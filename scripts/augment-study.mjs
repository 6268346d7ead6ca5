#!/usr/bin/env node
// Issue #5's T(x) study: sample quality (Fréchet distance of `digitgan eval`) of GANs trained with
// no augmentation, with the E[log D(T(x))] term, and with DiffAugment, at equal steps, on 50, 200
// and 700 real digits per class. Every run uses the pretrained reference classifier, so all the
// distances live in one feature space. Prints a Markdown table and writes study/augment-study.json.
//
//   node scripts/augment-study.mjs [--steps 5000] [--per-class 50,200,700] [--seeds 1] [--jobs 2]
//                                  [--bin target/release/digitgan] [--out study]
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';

const run = promisify(execFile);
const { values: opts } = parseArgs({
  options: {
    steps: { type: 'string', default: '5000' },
    'per-class': { type: 'string', default: '50,200,700' },
    seeds: { type: 'string', default: '1' },
    jobs: { type: 'string', default: '2' },
    bin: { type: 'string', default: 'target/release/digitgan' },
    out: { type: 'string', default: 'study' },
  },
});
const MODES = {
  off: ['--no-augment'],
  'T(x) term': [],
  DiffAugment: ['--no-augment', '--diff-augment'],
  'DiffAugment, shift only': ['--no-augment', '--diff-augment', '--diff-augment-cutout', '0'],
};
const perClass = opts['per-class'].split(',').map(Number);
const seeds = Array.from({ length: Number(opts.seeds) }, (_, i) => i + 1);
mkdirSync(opts.out, { recursive: true });

const jobs = [];
for (const k of perClass) for (const mode of Object.keys(MODES)) for (const seed of seeds) jobs.push({ k, mode, seed });

async function one({ k, mode, seed }) {
  const dir = `${opts.out}/${k}-${mode.replace(/\W+/g, '')}-s${seed}`;
  const json = `${dir}/eval.json`;
  if (!existsSync(json)) {
    const t0 = Date.now();
    await run(opts.bin, [
      'train', '--steps', opts.steps, '--seed', String(seed), '--per-class', String(k), '--no-restorer',
      '--classifier', 'assets/pretrained.dgw', '--out', dir, ...MODES[mode],
    ], { maxBuffer: 64 << 20 });
    const trainS = (Date.now() - t0) / 1000;
    await run(opts.bin, [
      'eval', '--weights', dir, '--classifier', 'assets/pretrained.dgw', '--restore-n', '1', '--latent-n', '0', '--json', json,
    ], { maxBuffer: 64 << 20 });
    writeFileSync(`${dir}/train-seconds.txt`, `${trainS}\n`);
  }
  const g = JSON.parse(readFileSync(json, 'utf8')).generated;
  console.error(`${k}/class ${mode} seed ${seed}: FD ${g.frechet.toFixed(2)} (train vs test ${g.frechet_train_vs_test.toFixed(2)})`);
  return { k, mode, seed, fd: g.frechet, fdRef: g.frechet_train_vs_test, agreement: g.label_agreement, confident: g.confident_fraction };
}

const results = [];
const queue = [...jobs];
await Promise.all(
  Array.from({ length: Number(opts.jobs) }, async () => {
    while (queue.length) results.push(await one(queue.shift()));
  }),
);

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cell = (k, mode, key, digits = 2) => {
  const xs = results.filter((r) => r.k === k && r.mode === mode).map((r) => r[key]);
  const m = mean(xs);
  if (xs.length < 2) return m.toFixed(digits);
  return `${m.toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
};
const fdRef = results[0]?.fdRef ?? NaN;
const lines = [
  `Fréchet distance to the test split (lower is better; train vs test = ${fdRef.toFixed(2)}), ${opts.steps} steps, ` +
    `${seeds.length} seed(s); label agreement of the requested digit in brackets.`,
  '',
  `| real digits per class | ${Object.keys(MODES).join(' | ')} |`,
  `|---|${Object.keys(MODES).map(() => '---').join('|')}|`,
  ...perClass.map(
    (k) =>
      `| ${k} | ${Object.keys(MODES)
        .map((m) => `${cell(k, m, 'fd')} [${(100 * mean(results.filter((r) => r.k === k && r.mode === m).map((r) => r.agreement))).toFixed(0)}%]`)
        .join(' | ')} |`,
  ),
];
console.log(lines.join('\n'));
writeFileSync(`${opts.out}/augment-study.json`, JSON.stringify({ steps: Number(opts.steps), seeds, results }, null, 2));
