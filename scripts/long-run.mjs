// A long training run in the page's worker, watched from outside (issue 7: long runs).
//
//   npm run build && node scripts/long-run.mjs [--steps 20000] [--batch 64] [--no-restorer] [--out long-run.json]
//
// Serves dist/ under /digitgan/ (scripts/serve.mjs), opens it in Debian's headless Chromium,
// starts training and samples every 20 s: the step, the worker's wasm memory (it only grows, so
// its size is the allocator's high-water mark), the page's JS heap (CDP), main-thread long tasks
// and how long the page takes to answer. Halfway it hides the tab (another tab in front) for a
// minute and shows it again: training must go on in the worker and the page keep its state.
// Prints a summary and writes every sample as JSON. Not part of `make test` (it runs ~40 min).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';

const { values: opts } = parseArgs({
  options: {
    steps: { type: 'string', default: '20000' },
    out: { type: 'string', default: 'long-run.json' },
    batch: { type: 'string' },
    'no-restorer': { type: 'boolean', default: false },
  },
});
const STEPS = Number(opts.steps);
const OUT = opts.out;
const BATCH = opts.batch ?? null;
const NO_RESTORER = opts['no-restorer'];
const SAMPLE_MS = 20_000;

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const server = spawn('node', ['scripts/serve.mjs', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => server.stdout.once('data', resolve));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
await page.addInitScript(() => {
  window.__longTasks = []; // [start, duration] ms; each probe reads the ones since the last
  window.__longTasksRead = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push([Math.round(e.startTime), Math.round(e.duration)]);
  }).observe({ type: 'longtask', buffered: true });
  // When the worker's weights snapshots (IndexedDB autosave) and classifier scores arrive, to
  // see which of them the long tasks follow.
  window.__workerMsgs = [];
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const type = e.data?.type;
        if (type === 'weights' || type === 'score') window.__workerMsgs.push([type, Math.round(performance.now())]);
      });
    }
  };
});
const cdp = await context.newCDPSession(page);
await cdp.send('Performance.enable');

const t0 = Date.now();
await page.goto(`http://127.0.0.1:${port}/digitgan/`);
await page.getByTestId('train-toggle').waitFor();
await page.waitForFunction(() => !document.querySelector('[data-testid="train-toggle"]').disabled, null, { timeout: 120_000 });
if (BATCH) await page.getByTestId('opt-batch').selectOption(String(BATCH));
if (NO_RESTORER) await page.getByTestId('opt-restorer').uncheck();
await page.getByTestId('train-toggle').click();

const stepOf = async () => Number((await page.getByTestId('step-count').textContent()).replace(/[^0-9]/g, ''));
const samples = [];
let hidden = null;
for (;;) {
  await new Promise((r) => setTimeout(r, SAMPLE_MS));
  const asked = Date.now();
  const { memoryBytes, longTasks } = await page.evaluate(() => ({
    memoryBytes: window.__digitgan.metrics.memoryBytes,
    longTasks: window.__longTasks.slice(window.__longTasksRead, (window.__longTasksRead = window.__longTasks.length)).map(([, d]) => d),
  }));
  const answerMs = Date.now() - asked;
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
  const s = { t: Math.round((Date.now() - t0) / 1000), step: await stepOf(), memoryBytes, jsHeap: heap, longTasks, answerMs };
  samples.push(s);
  console.log(
    `${String(s.t).padStart(5)} s  step ${String(s.step).padStart(6)}  wasm ${(memoryBytes / 2 ** 20).toFixed(1)} MiB  ` +
      `js heap ${(heap / 2 ** 20).toFixed(1)} MiB  long tasks ${JSON.stringify(longTasks)}  answer ${answerMs} ms`,
  );
  if (!hidden && s.step >= STEPS / 2) {
    // Hide the tab behind another one for a minute, then show it again.
    const other = await context.newPage();
    await other.goto('about:blank');
    await other.bringToFront();
    const before = { step: s.step, visibility: await page.evaluate(() => document.visibilityState) };
    await new Promise((r) => setTimeout(r, 60_000));
    const whileHidden = { step: await stepOf(), visibility: await page.evaluate(() => document.visibilityState) };
    await page.bringToFront();
    await other.close();
    await new Promise((r) => setTimeout(r, 3_000));
    const after = { step: await stepOf(), visibility: await page.evaluate(() => document.visibilityState), running: (await page.getByTestId('train-toggle').textContent()).trim() };
    hidden = { before, whileHidden, after };
    console.log(`hidden tab: ${JSON.stringify(hidden)}`);
  }
  if (s.step >= STEPS) break;
}
await page.getByTestId('train-toggle').click();
await page.screenshot({ path: 'test-results/screenshots/long-run-end.png', fullPage: true });

// Attribute each long task to the last weights/score message less than 1 s before it.
const { tasks, msgs } = await page.evaluate(() => ({ tasks: window.__longTasks, msgs: window.__workerMsgs }));
const attribution = {};
for (const [start] of tasks) {
  const before = msgs.filter(([, t]) => t <= start && start - t < 1000).at(-1);
  const key = before ? before[0] : 'neither';
  attribution[key] = (attribution[key] || 0) + 1;
}
console.log(`long tasks within 1 s after a message: ${JSON.stringify(attribution)} (weights messages: ${msgs.filter((m) => m[0] === 'weights').length}, score: ${msgs.filter((m) => m[0] === 'score').length})`);

const warm = samples.filter((s) => s.step >= 1000);
const mem = warm.map((s) => s.memoryBytes);
const growth = mem.length ? (Math.max(...mem) - mem[0]) / mem[0] : NaN;
const heaps = warm.map((s) => s.jsHeap);
const summary = {
  options: { batch: BATCH ?? 'page default', restorer: !NO_RESTORER },
  steps: samples.at(-1).step,
  minutes: +((Date.now() - t0) / 60000).toFixed(1),
  wasmMemoryMiB: { afterWarmup: +(mem[0] / 2 ** 20).toFixed(1), max: +(Math.max(...mem) / 2 ** 20).toFixed(1), growth: +(100 * growth).toFixed(1) },
  jsHeapMiB: { min: +(Math.min(...heaps) / 2 ** 20).toFixed(1), max: +(Math.max(...heaps) / 2 ** 20).toFixed(1) },
  longTasksOver50ms: samples.flatMap((s) => s.longTasks).length,
  longTaskAttribution: attribution,
  maxAnswerMs: Math.max(...samples.map((s) => s.answerMs)),
  hidden,
};
console.log(JSON.stringify(summary, null, 2));
writeFileSync(OUT, JSON.stringify({ summary, samples }, null, 2));
await browser.close();
server.kill();
const ok = growth <= 0.1 && hidden && hidden.after.step >= hidden.before.step;
process.exit(ok ? 0 : 1);
