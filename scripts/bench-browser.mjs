#!/usr/bin/env node
// Browser half of `make bench` (issue #6): serves the repo's bench/ page on 127.0.0.1, runs each
// contender in its own dedicated worker in headless Debian Chromium, one after another, and
// prints one table (steps/s, ms/step, ratios) with the native criterion figures beside it.
//   node scripts/bench-browser.mjs [--pkg bench/pkg] [--windows 5] [--window-ms 3000]
//        [--warmup-ms 3000] [--only digitgan,tfjs-wasm,...] [--json bench/results.json] [--no-webgl]
// Needs: the wasm build in --pkg (OUT_DIR=bench/pkg scripts/build-wasm.sh), npm packages, and for
// the native column target/criterion (cargo bench --profile fast --bench native).
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
// Strict: a mistyped flag is an error, not a silently ignored setting.
const { values: opts } = parseArgs({
  options: {
    pkg: { type: 'string', default: 'bench/pkg' },
    'pkg-relaxed': { type: 'string', default: 'bench/pkg-relaxed' },
    json: { type: 'string', default: 'bench/results.json' },
    'warmup-ms': { type: 'string', default: '3000' },
    windows: { type: 'string', default: '5' },
    'window-ms': { type: 'string', default: '3000' },
    'min-steps': { type: 'string', default: '3' },
    only: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    'timeout-ms': { type: 'string', default: '300000' },
    'no-webgl': { type: 'boolean', default: false },
  },
});
const arg = (name) => opts[name];
const flag = (name) => opts[name] === true;
const pkgDir = arg('pkg');
const relaxedDir = arg('pkg-relaxed');
const jsonOut = arg('json');
const timing = {
  warmupMs: Number(arg('warmup-ms')),
  windows: Number(arg('windows')),
  windowMs: Number(arg('window-ms')),
  minSteps: Number(arg('min-steps')),
};
const MATMUL = [64, 784, 512];

// ─── static server: only bench/, the wasm package, the data asset and the TF.js dist files ──────
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.gz': 'application/gzip' };
const ALLOWED = ['bench/', `${pkgDir.replace(/\/$/, '')}/`, `${relaxedDir.replace(/\/$/, '')}/`, 'assets/', 'node_modules/@tensorflow/'];
function serve() {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    const file = path.join(root, rel);
    if (!file.startsWith(root + path.sep) || !ALLOWED.some((p) => rel.startsWith(p))) {
      res.writeHead(404).end('not found');
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' });
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ─── native figures from criterion (cargo bench --profile fast --bench native) ──────────────────
function criterion(id) {
  const f = path.join(root, 'target/criterion', id, 'new/estimates.json');
  if (!fs.existsSync(f)) return null;
  const e = JSON.parse(fs.readFileSync(f, 'utf8'));
  return { ms: e.median.point_estimate / 1e6, at: fs.statSync(f).mtime.toISOString() };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (v, d = 1) => (v == null || !Number.isFinite(v) ? '–' : v.toFixed(d));

async function main() {
  const only = arg('only')?.split(',');
  for (const f of [`${pkgDir}/digitgan.js`, `${pkgDir}/digitgan_bg.wasm`]) {
    if ((!only || only.includes('digitgan')) && !fs.existsSync(path.join(root, f))) {
      console.error(`bench: ${f} is missing: run OUT_DIR=${pkgDir} scripts/build-wasm.sh first`);
      process.exit(1);
    }
  }
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-swiftshader'],
  });
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.error(`[page ${m.type()}] ${m.text()}`);
  });
  await page.goto(`${base}/bench/index.html`);
  await page.waitForFunction(() => typeof window.runContender === 'function');

  const contenders = [
    { name: 'digitgan', label: 'DigitGAN (wasm simd128)', kind: 'digitgan', pkg: `/${pkgDir}` },
    // The relaxed-SIMD build (fused multiply-add in the matmul kernel), when it has been built.
    ...(fs.existsSync(path.join(root, relaxedDir, 'digitgan_bg.wasm'))
      ? [{ name: 'digitgan-relaxed', label: 'DigitGAN (wasm relaxed-simd)', kind: 'digitgan', pkg: `/${relaxedDir}`, relaxed: true }]
      : []),
    { name: 'tfjs-wasm', label: 'TF.js wasm (SIMD)', kind: 'tfjs', backend: 'wasm' },
    { name: 'tfjs-cpu', label: 'TF.js cpu', kind: 'tfjs', backend: 'cpu', slow: true },
    { name: 'tfjs-webgl', label: 'TF.js webgl', kind: 'tfjs', backend: 'webgl', slow: true },
    // Not in the default run: layers as tf.fused.matMul (matmul + bias in one op), which trains
    // slower than matMul + add on the wasm backend (0.73 vs 1.20 steps/s in one run).
    { name: 'tfjs-wasm-fused', label: 'TF.js wasm (SIMD), fused matMul+bias', kind: 'tfjs', backend: 'wasm', fused: true, optIn: true },
  ];
  // Rounds: every contender (but the slow cpu/webgl ones) runs once per round, one after another,
  // so that load from other processes falls on all of them alike; a contender's figure is the
  // median over all its windows, and each ratio to DigitGAN is also given per round.
  const rounds = Number(arg('rounds'));
  const results = {};
  for (let round = 0; round < rounds; round++) {
    for (const c of contenders) {
      if (only ? !only.includes(c.name) : c.optIn) continue;
      if (c.name === 'tfjs-webgl' && flag('no-webgl')) continue;
      if (round > 0 && c.slow) continue;
      const spec = { ...c, ...timing, matmuls: [MATMUL], timeoutMs: Number(arg('timeout-ms')) };
      if (c.backend === 'cpu') Object.assign(spec, { warmupSteps: 2, warmupMs: 0, windowMs: Math.min(timing.windowMs, 1000) });
      process.stderr.write(`bench: round ${round + 1}/${rounds} ${c.label} … `);
      const t = Date.now();
      const r = await page.evaluate((s) => window.runContender(s), spec);
      process.stderr.write(r.ok ? `${fmt(r.median, 2)} steps/s (${((Date.now() - t) / 1000).toFixed(0)} s)\n` : `failed: ${r.error.split('\n')[0]}\n`);
      const prev = results[c.name];
      if (!prev) results[c.name] = { label: c.label, ...r, roundMedians: r.ok ? [r.median] : [] };
      else if (r.ok) {
        prev.rates = [...(prev.rates || []), ...r.rates];
        prev.roundMedians.push(r.median);
        prev.median = median(prev.rates);
        prev.ok = true;
      }
    }
  }
  const longTasks = await page.evaluate(() => window.longTasks);
  const chromiumVersion = browser.version();
  await browser.close();
  server.close();

  // ─── table ────────────────────────────────────────────────────────────────────────────────
  const native = { step: criterion('train_step/design'), matmul: criterion('matmul/64x784x512') };
  const dg = results.digitgan?.ok ? results.digitgan.median : null;
  const flops = 2 * MATMUL[0] * MATMUL[1] * MATMUL[2];
  const rows = [];
  const ratios = (sps) => ({
    vsTfjsWasm: results['tfjs-wasm']?.ok && sps ? sps / results['tfjs-wasm'].median : null,
    vsTfjsCpu: results['tfjs-cpu']?.ok && sps ? sps / results['tfjs-cpu'].median : null,
  });
  for (const [name, r] of Object.entries(results)) {
    const mm = r.ok ? r.matmul?.[0] : null;
    rows.push({
      name,
      label: r.label,
      ok: r.ok,
      error: r.ok ? undefined : r.error.split('\n')[0],
      stepsPerSecond: r.ok ? r.median : null,
      msPerStep: r.ok ? 1000 / r.median : null,
      windows: r.ok ? r.rates : null,
      ...(r.ok ? ratios(r.median) : {}),
      dgVsThis: r.ok && dg ? dg / r.median : null,
      roundMedians: r.roundMedians,
      // DigitGAN ÷ this, round by round (both measured minutes apart, under the same load).
      dgVsThisPerRound:
        r.ok && results.digitgan?.ok && r.roundMedians?.length === results.digitgan.roundMedians.length
          ? r.roundMedians.map((v, i) => results.digitgan.roundMedians[i] / v)
          : undefined,
      matmulGflops: mm ? mm.gflops : null,
      matmulMs: mm ? mm.ms : null,
      flags: r.flags,
      loadMs: r.loadMs,
    });
  }
  if (native.step) {
    const sps = 1000 / native.step.ms;
    rows.push({
      name: 'native',
      label: 'DigitGAN native, 1 thread (criterion)',
      ok: true,
      stepsPerSecond: sps,
      msPerStep: native.step.ms,
      ...ratios(sps),
      dgVsThis: dg ? dg / sps : null,
      matmulGflops: native.matmul ? flops / native.matmul.ms / 1e6 : null,
      matmulMs: native.matmul?.ms ?? null,
      measuredAt: native.step.at,
    });
  }

  const lines = [
    '| contender | steps/s | ms/step | × TF.js wasm | × TF.js cpu | DigitGAN wasm ÷ this | matmul 64×784×512 GFLOP/s |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    if (!r.ok) {
      lines.push(`| ${r.label} | did not run: ${r.error.replace(/\|/g, '/')} | | | | | |`);
      continue;
    }
    lines.push(
      `| ${r.label} | ${fmt(r.stepsPerSecond, 2)} | ${fmt(r.msPerStep, 1)} | ${fmt(r.vsTfjsWasm, 2)} | ${fmt(r.vsTfjsCpu, 1)} | ${fmt(r.dgVsThis, 2)} | ${fmt(r.matmulGflops, 1)} |`,
    );
  }
  const load = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  let commit = '';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim();
  } catch {
    /* not a git checkout */
  }
  const out = {
    date: new Date().toISOString(),
    commit,
    chromium: chromiumVersion,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverageAfter: load,
    timing,
    rounds,
    model: 'design preset: G 100→128→256→512→784, D 784→512→256→128→1, LeakyReLU 0.2, BCE logits, Adam 2e-4 β1 0.5, batch 64',
    mainThreadLongTasks: longTasks,
    rows,
    results,
  };
  console.log(lines.join('\n'));
  console.log(
    `\n${rounds > 1 ? `${rounds} rounds (cpu and webgl: one); ` : ''}median of ${timing.windows} windows${rounds > 1 ? ' per round' : ''} ≥ ${timing.windowMs} ms after ${timing.warmupMs} ms warm-up; Chromium ${chromiumVersion}; ` +
      `${os.cpus().length} CPUs; load average ${load}; main-thread long tasks: ${longTasks.length}` +
      (native.step ? `; native from target/criterion (${native.step.at})` : '; native: no criterion data (run cargo bench --profile fast --bench native)'),
  );
  for (const r of rows) {
    if (r.dgVsThisPerRound && r.dgVsThisPerRound.length > 1 && r.name !== 'digitgan') {
      console.log(`DigitGAN wasm ÷ ${r.label}, round by round: ${r.dgVsThisPerRound.map((v) => v.toFixed(2)).join(', ')}`);
    }
  }
  if (jsonOut) {
    fs.writeFileSync(path.resolve(root, jsonOut), JSON.stringify(out, null, 2) + '\n');
    console.log(`wrote ${jsonOut}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
