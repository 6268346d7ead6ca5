#!/usr/bin/env node
// What a visitor downloads (issue #6: ≤ 2 MB gzipped for wasm + data + weights + JS): every file
// of the built site (dist/, `make site`), gzip -9 as a static host serves it (GitHub Pages
// gzips; an already-compressed file counts as is). Source maps are listed apart: browsers fetch
// them only with the developer tools open; og-image.png only for link previews; the no-SIMD
// fallback wasm only by browsers without wasm SIMD, in place of the SIMD build.
//
// Usage: node scripts/transfer-size.mjs [--dist dist] [--json bench/size.json]
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const { values: args } = parseArgs({
  options: { dist: { type: 'string', default: 'dist' }, json: { type: 'string', default: 'bench/size.json' } },
});

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const KIND = [
  [/\.wasm$/, 'wasm'],
  [/\.dgw$/, 'weights'],
  [/mnist-subset.*\.gz$/, 'data'],
  [/\.js$/, 'JS'],
  [/\.(html|css|svg)$/, 'page'],
];
const rows = [];
for (const path of files(args.dist)) {
  const name = relative(args.dist, path);
  const bytes = readFileSync(path);
  const compressed = /\.(gz|png)$/.test(name);
  const gzip = compressed ? bytes.length : gzipSync(bytes, { level: 9 }).length;
  // The no-SIMD fallback module is fetched instead of the SIMD one, only by browsers without wasm SIMD.
  const fetched = !/\.map$/.test(name) && !/og-image/.test(name) && !/plain_bg.*\.wasm$/.test(name);
  const kind = fetched ? (KIND.find(([re]) => re.test(name))?.[1] ?? 'other') : 'not fetched';
  rows.push({ name, kind, raw: bytes.length, gzip });
}
if (!rows.length) throw new Error(`${args.dist} is empty: run \`make site\` first`);
rows.sort((a, b) => b.gzip - a.gzip);

const mb = (n) => (n / 1e6).toFixed(3);
const byKind = {};
for (const r of rows) byKind[r.kind] = (byKind[r.kind] ?? 0) + r.gzip;
const total = rows.filter((r) => r.kind !== 'not fetched').reduce((s, r) => s + r.gzip, 0);

console.log('| file | what | raw MB | gzip MB |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${r.kind} | ${mb(r.raw)} | ${mb(r.gzip)} |`);
console.log(`\nby kind (gzip MB): ${Object.entries(byKind).map(([k, v]) => `${k} ${mb(v)}`).join(', ')}`);
console.log(`total a visitor downloads: ${mb(total)} MB gzipped (target ≤ 2 MB)`);
writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), total, byKind, rows }, null, 2) + '\n');
console.log(`wrote ${args.json}`);
