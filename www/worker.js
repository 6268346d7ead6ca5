/*
 * DigitGAN worker: owns the wasm module (DigitGan) and trains in short chunks so that it stays
 * responsive; the page never calls wasm itself.
 *
 * ─── Message protocol ──────────────────────────────────────────────────────────────────────────
 * All images are Float32Array(784 per digit), row-major 28×28, ink = 1. Typed arrays the worker
 * sends are transferred (postMessage transfer list), so the sender's copy becomes empty.
 *
 * Page → worker
 *   { type: 'init', weights: ArrayBuffer|null, source: 'pretrained'|'saved'|'file'|'random',
 *     seed, stepOffset, gridSeed, gridLabel: number|null, options: {lr,batch_size,augment,train_restorer}|null,
 *     wasm?: 'plain' }
 *       Load wasm + digit bundle and build the model. weights null with source 'pretrained' means:
 *       fetch the bundled pretrained weights (random weights if this build has none). The wasm
 *       module is the simd128 build where the browser has wasm SIMD, else the plain one ('plain'
 *       forces it).
 *   { type: 'play' } / { type: 'pause' }       start / stop the training loop (pause → 'weights' autosave)
 *   { type: 'step', n }                        train n steps now (paused mode), then post progress + samples
 *   { type: 'reset', mode: 'scratch'|'pretrained'|'bytes', weights?: ArrayBuffer, seed, play: boolean }
 *   { type: 'setOptions', options }            any subset of {lr, batch_size, augment, train_restorer}
 *   { type: 'setGrid', seed?, label?: number|null }  new fixed latents and/or digit class for the grid
 *   { type: 'call', id, method, args }         request/response; answered by { type: 'result', id, ok, value | error }
 *       methods: mnistify {pixels,mask,width,height} → {image,mask,empty,label,confidence}
 *                restore  {pixels,mask,width,height,seed} → {empty, input, mask, restored, latent,
 *                          labels:[in,restored,latent], confidence:[…], restoreMs, latentMs}
 *                restoreImage {image: Float32Array(784), mask: Float32Array(784)|null, seed} → as restore,
 *                          without mnistify (the page restores the exact 28×28 bytes a share link carries)
 *                classify {images: Float32Array(n*784)} → {labels: number[], confidence: number[]}
 *                realDigits {label:number|null, n} → {images, labels}
 *                testDigit {index?:number} → {image, label, index}
 *                interpolate {frames, seed, label} → {images, frames}
 *                generatePerClass {nPerClass, seed?} → {images: Float32Array, nPerClass} (class-major)
 *                augmentEval {k, m?, seeds?, steps?} → the report of src/augment.rs for one K (pauses
 *                          training; posts augmentProgress while it runs)
 *                exportWeights {} → {bytes: ArrayBuffer, step}
 *                importWeights {bytes: ArrayBuffer} → {step}   (throws with the wasm message; model unchanged)
 *   { type: 'debugDiverge' }                   test hook: makes the weights NaN; the next step rolls back
 *   { type: 'debugCrash' }                     test hook: panics inside Rust (DigitGan.debugPanic), which traps
 *
 * Worker → page
 *   { type: 'loading', fraction: 0..1, stage }                  download/compile progress
 *   { type: 'ready', latentDim, classes, source, pretrainedAvailable, simd, options, step, loadMs }
 *   { type: 'samples', images: Float32Array(n*784), n, cols, step, label }   grid from the fixed latents
 *       (after ready, every ~250 ms while training, after step/reset/setGrid/import)
 *   { type: 'progress', step, running, stepsPerSecond, chunk, memoryBytes, stats: {step[], d_loss[], g_loss[],
 *       r_loss[], d_real[], d_fake[]}, reset?: true }            stats of the steps since the last progress
 *       (at most every 100 ms while training; reset: true right after a reset → clear the charts)
 *   { type: 'score', step, meanConfidence, sureFraction, n }    classifier on the grid (every 300 steps)
 *   { type: 'state', running, step }                            training loop started/stopped
 *   { type: 'weights', bytes: ArrayBuffer, step, reason: 'pause'|'autosave' }   (autosave: every 1000 steps)
 *       snapshot for IndexedDB and for restarting after a crash
 *   { type: 'augmentProgress', done, total }                   classifier steps of a running augmentEval
 *   { type: 'result', id, ok, value? , error? }
 *   { type: 'error', message, where }                           recoverable (the worker keeps going)
 *   { type: 'fatal', message, during?: 'init' }                 wasm trapped/panicked (or training diverged):
 *       the worker is dead; the page terminates it and starts a new one from its last good weights
 *       (during 'init': the module or the weights could not even start)
 */
import init, { DigitGan, mnistify } from './pkg/digitgan.js';
import { hasWasmSimd } from './wasm-simd.js';

const WASM_URL = new URL('./pkg/digitgan_bg.wasm', import.meta.url);
// The same code built without SIMD, for browsers without wasm simd128 (one JS glue serves both).
const WASM_PLAIN_URL = new URL('./pkg/digitgan_plain_bg.wasm', import.meta.url);
const DATA_URL = new URL('../assets/mnist-subset.bin.gz', import.meta.url);
// eslint-disable-next-line no-undef
const PRETRAINED_URL = __HAS_PRETRAINED__ ? new URL('../assets/pretrained.dgw', import.meta.url) : null;

const GRID_N = 40; // 4 rows × 10
const GRID_COLS = 10;
const CHUNK_TARGET_MS = 35; // one train(n) call should take about this long
const PROGRESS_EVERY_MS = 100;
const SAMPLES_EVERY_MS = 250;
const SCORE_EVERY_STEPS = 300;
const AUTOSAVE_EVERY_STEPS = 1000;

let gan = null;
let simd = true; // which build runs: simd128 or the plain fallback
let latentDim = 100;
let classes = 0;
let stepOffset = 0;
let gridSeed = 1;
let gridLabel = null;
let gridZ = null;
let running = false;
let dead = false;
let stepMsEma = 60;
let pending = newStats();
let lastProgressAt = 0;
let lastSamplesAt = 0;
let lastScoreStep = 0;
let lastSaveStep = 0;
let rate = []; // [time, step] samples for steps/s
let testPool = null;
let pretrainedBytes = null; // cached bytes of the bundled pretrained weights
let wasmMemory = null; // the module's WebAssembly.Memory (its size is reported with progress)

function newStats() {
  return { step: [], d_loss: [], g_loss: [], r_loss: [], d_real: [], d_fake: [] };
}
const totalStep = () => stepOffset + gan.stepCount;
const post = (msg, transfer = []) => self.postMessage(msg, transfer);

function isFatal(err) {
  if (err instanceof WebAssembly.RuntimeError) return true;
  const m = String(err && err.message);
  // wasm-bindgen's guard after a panic left a RefCell borrowed.
  return /recursive use of an object|unreachable|memory access out of bounds|already (mutably )?borrowed/i.test(m);
}

// A Rust panic reaches us as a bare RuntimeError ("unreachable"); its message went to
// console.error through console_error_panic_hook just before. Keep it for the page.
let lastPanic = null;
const consoleError = console.error.bind(console);
console.error = (...args) => {
  const text = args.map(String).join(' ');
  const m = text.match(/panicked at [^\n]*\n([^\n]+)/);
  if (m) lastPanic = m[1].trim();
  consoleError(...args);
};

function die(err) {
  if (dead) return;
  dead = true;
  running = false;
  const message = messageOf(err);
  post({ type: 'fatal', message: lastPanic && /unreachable/i.test(message) ? `a bug in the model code (${lastPanic})` : message });
}

function messageOf(err) {
  if (err == null) return 'unknown error';
  if (typeof err === 'string') return err;
  return err.message || String(err);
}

// ─── loading ───────────────────────────────────────────────────────────────────────────────────
async function fetchBytes(url, onProgress) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not download ${url.pathname.split('/').pop()} (HTTP ${res.status})`);
  const total = Number(res.headers.get('Content-Length')) || 0;
  if (!res.body || !total) {
    const buf = new Uint8Array(await res.arrayBuffer());
    onProgress(buf.length, buf.length);
    return buf;
  }
  const out = new Uint8Array(total);
  let got = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (got + value.length > out.length) throw new Error('download longer than announced');
    out.set(value, got);
    got += value.length;
    onProgress(got, total);
  }
  return got === total ? out : out.subarray(0, got);
}

async function getPretrained() {
  if (!PRETRAINED_URL) return null;
  if (!pretrainedBytes) pretrainedBytes = await fetchBytes(PRETRAINED_URL, () => {});
  return pretrainedBytes;
}

async function handleInit(msg) {
  const t0 = performance.now();
  const progress = { data: [0, 1], weights: [0, 0] };
  let wasmDone = false;
  const report = (stage) => {
    const bytes = progress.data[0] + progress.weights[0];
    const total = progress.data[1] + progress.weights[1];
    post({ type: 'loading', stage, fraction: Math.min(1, 0.15 * wasmDone + 0.8 * (bytes / Math.max(1, total))) });
  };
  // msg.wasm 'plain' forces the fallback (the page passes ?wasm=plain through; the e2e uses it).
  simd = msg.wasm !== 'plain' && hasWasmSimd();
  const wasmP = init({ module_or_path: simd ? WASM_URL : WASM_PLAIN_URL }).then((exports) => {
    wasmMemory = exports.memory;
    wasmDone = true;
    report('wasm');
  });
  const dataP = fetchBytes(DATA_URL, (got, total) => {
    progress.data = [got, total];
    report('data');
  });
  let weightsP = Promise.resolve(msg.weights ? new Uint8Array(msg.weights) : null);
  const wantPretrained = msg.source === 'pretrained' && !msg.weights;
  if (wantPretrained && PRETRAINED_URL) {
    weightsP = fetchBytes(PRETRAINED_URL, (got, total) => {
      progress.weights = [got, total];
      report('weights');
    }).then((b) => (pretrainedBytes = b));
  }
  const [, data, weights] = await Promise.all([wasmP, dataP, weightsP]);
  post({ type: 'loading', stage: 'model', fraction: 0.97 });

  let source = msg.source;
  if (wantPretrained && !weights) source = 'random';
  try {
    gan = new DigitGan(data, weights, msg.seed >>> 0);
  } catch (err) {
    if (isFatal(err) || !weights) throw err;
    // Saved/loaded weights that no longer fit this build: fall back to pretrained or random.
    post({ type: 'error', where: 'init', message: `Saved weights could not be used (${messageOf(err)}); starting fresh.` });
    const fallback = await getPretrained();
    gan = new DigitGan(data, fallback, msg.seed >>> 0);
    source = fallback ? 'pretrained' : 'random';
  }
  latentDim = gan.latentDim;
  classes = gan.classes;
  stepOffset = msg.stepOffset || 0;
  lastScoreStep = lastSaveStep = stepOffset;
  if (msg.options) applyOptions(msg.options);
  gridSeed = msg.gridSeed ?? 1;
  gridLabel = msg.gridLabel ?? null;
  gridZ = gan.latents(GRID_N, gridSeed);
  buildTestPool();
  post({
    type: 'ready',
    latentDim,
    classes,
    source,
    pretrainedAvailable: Boolean(PRETRAINED_URL),
    simd,
    options: gan.options(),
    step: totalStep(),
    loadMs: performance.now() - t0,
  });
  postSamples();
  postScore();
  deferWarmUp();
}

// V8 runs a wasm function on its baseline tier until it has run hot, so the first latent search
// of a fresh page took about twice as long as later ones. One restore and one latent search on a
// blank digit put the user's first Restore on the fast code. They block the worker for ~0.5–1 s,
// so they wait for the page to be quiet: WARM_UP_IDLE_MS after 'ready' with no message in
// between (each message postpones them) and no training (they re-arm until it stops, however it
// stops: pause, divergence). Both calls are pure: no state changes, nothing posted.
const WARM_UP_IDLE_MS = 1500;
let warmedUp = false;
let warmUpTimer = null;
function deferWarmUp() {
  if (warmedUp || !gan) return;
  clearTimeout(warmUpTimer);
  warmUpTimer = setTimeout(warmUp, WARM_UP_IDLE_MS);
}
function warmUp() {
  if (warmedUp || dead || !gan) return;
  if (running) return deferWarmUp();
  warmedUp = true;
  const blank = new Float32Array(784);
  try {
    gan.restore(blank, null);
    gan.latentSearch(blank, null, 0);
  } catch (err) {
    if (isFatal(err)) die(err);
    else console.warn(`warm-up skipped: ${messageOf(err)}`);
  }
}

function buildTestPool() {
  // The split's size is not part of the API: find the largest block from 0 that exists
  // (bundles can be grouped by class, so a small block from the start may hold one digit only).
  const tryTake = (n) => {
    try {
      return gan.digits('test', 0, n);
    } catch (err) {
      if (isFatal(err)) throw err;
      return null;
    }
  };
  let lo = 0;
  let best = null;
  let hi = 1;
  for (let d; hi <= 65536 && (d = tryTake(hi)); hi *= 2) {
    lo = hi;
    best = d;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const d = tryTake(mid);
    if (d) {
      lo = mid;
      best = d;
    } else hi = mid;
  }
  testPool = best
    ? { images: best.images, labels: best.labels, n: best.labels.length }
    : { images: new Float32Array(0), labels: new Uint8Array(0), n: 0 };
}

// ─── training loop ────────────────────────────────────────────────────────────────────────────
const loop = new MessageChannel();
let scheduled = false;
loop.port1.onmessage = () => {
  scheduled = false;
  if (!running || dead) return;
  try {
    trainChunk();
  } catch (err) {
    trainFailed(err);
    return;
  }
  schedule();
};
function schedule() {
  if (!scheduled && running) {
    scheduled = true;
    loop.port2.postMessage(0);
  }
}

function trainChunk(forceN) {
  const n = forceN ?? Math.max(1, Math.min(32, Math.round(CHUNK_TARGET_MS / stepMsEma)));
  const t = performance.now();
  const stats = gan.train(n);
  const dt = performance.now() - t;
  stepMsEma = 0.7 * stepMsEma + 0.3 * (dt / n);
  for (const s of stats) {
    pending.step.push(stepOffset + s.step);
    pending.d_loss.push(s.d_loss);
    pending.g_loss.push(s.g_loss);
    pending.r_loss.push(s.r_loss);
    pending.d_real.push(s.d_real);
    pending.d_fake.push(s.d_fake);
  }
  const now = performance.now();
  const step = totalStep();
  rate.push([now, step]);
  while (rate.length > 2 && now - rate[0][0] > 3000) rate.shift();
  if (now - lastProgressAt >= PROGRESS_EVERY_MS) postProgress(n);
  if (now - lastSamplesAt >= SAMPLES_EVERY_MS) postSamples();
  if (step - lastScoreStep >= SCORE_EVERY_STEPS) postScore();
  if (step - lastSaveStep >= AUTOSAVE_EVERY_STEPS) postWeights('autosave');
}

function trainFailed(err) {
  if (isFatal(err)) {
    running = false;
    die(err);
    return;
  }
  const message = messageOf(err);
  if (err?.name === 'DivergedError') {
    // NaN/Inf or a collapsed discriminator: the core has already rolled back to its last
    // in-memory checkpoint. Pause there (state, samples and a snapshot of the good weights go
    // out as on any pause) and say what happened, with the core's suggestion.
    setRunning(false);
    post({ type: 'error', where: 'training', message: message.replace(/^training diverged: /, 'Training diverged: ') });
    return;
  }
  // Anything else: the model is suspect, so the page restarts us from the last good weights.
  running = false;
  die(new Error(`Training stopped: ${message}`));
}

function stepsPerSecond() {
  if (rate.length < 2) return 0;
  const [t0, s0] = rate[0];
  const [t1, s1] = rate[rate.length - 1];
  return t1 > t0 ? ((s1 - s0) * 1000) / (t1 - t0) : 0;
}

function postProgress(chunk = 0) {
  lastProgressAt = performance.now();
  const memoryBytes = wasmMemory ? wasmMemory.buffer.byteLength : 0;
  post({ type: 'progress', step: totalStep(), running, stepsPerSecond: running ? stepsPerSecond() : 0, chunk, memoryBytes, stats: pending });
  pending = newStats();
}

function gridLabels() {
  if (classes === 0 || gridLabel == null) return null;
  return new Uint8Array(GRID_N).fill(gridLabel);
}

function generateGrid() {
  return gan.generate(gridZ, gridLabels());
}

function postSamples() {
  lastSamplesAt = performance.now();
  const images = generateGrid();
  post({ type: 'samples', images, n: GRID_N, cols: GRID_COLS, step: totalStep(), label: gridLabel }, [images.buffer]);
}

function postScore() {
  lastScoreStep = totalStep();
  const { confidence } = gan.classify(generateGrid());
  let sum = 0;
  let sure = 0;
  for (const c of confidence) {
    sum += c;
    if (c > 0.9) sure++;
  }
  post({ type: 'score', step: totalStep(), meanConfidence: sum / confidence.length, sureFraction: sure / confidence.length, n: confidence.length });
}

function postWeights(reason) {
  lastSaveStep = totalStep();
  // f16: half the size in IndexedDB and in memory; precision is plenty to resume from.
  const bytes = gan.exportWeights(true);
  const buf = bytes.buffer.byteLength === bytes.length ? bytes.buffer : bytes.slice().buffer;
  post({ type: 'weights', bytes: buf, step: totalStep(), reason }, [buf]);
}

function setRunning(on, snapshot = true) {
  if (running === on) return;
  running = on;
  rate = [[performance.now(), totalStep()]];
  post({ type: 'state', running, step: totalStep() });
  if (on) schedule();
  else if (snapshot) {
    postProgress();
    postSamples();
    postScore();
    postWeights('pause');
  }
}

function applyOptions(options) {
  const o = {};
  for (const k of ['lr', 'batch_size', 'augment', 'train_restorer']) if (options[k] !== undefined) o[k] = options[k];
  gan.setOptions(o);
}

// ─── request/response methods ─────────────────────────────────────────────────────────────────
function concat(...arrays) {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

const methods = {
  mnistify({ pixels, mask, width, height }) {
    const m = mnistify(pixels, mask ?? null, width, height);
    if (m.empty) return { value: { empty: true } };
    const c = gan.classify(m.image);
    const value = { empty: false, image: m.image, mask: m.mask ?? null, label: c.labels[0], confidence: c.confidence[0] };
    return { value, transfer: [m.image.buffer, ...(m.mask ? [m.mask.buffer] : [])] };
  },
  restore({ pixels, mask, width, height, seed }) {
    const m = mnistify(pixels, mask ?? null, width, height);
    if (m.empty) return { value: { empty: true } };
    return methods.restoreImage({ image: m.image, mask: m.mask ?? null, seed });
  },
  // An input that is already 28×28 (no mnistify): what share links restore from, bit for bit.
  restoreImage({ image, mask, seed }) {
    if (!(image instanceof Float32Array) || image.length !== 784) throw new Error('restoreImage needs a 28×28 image');
    if (mask != null && (!(mask instanceof Float32Array) || mask.length !== 784)) throw new Error('restoreImage: the mask must be 28×28');
    const t0 = performance.now();
    const restored = gan.restore(image, mask ?? null);
    const t1 = performance.now();
    const latent = gan.latentSearch(image, mask ?? null, seed >>> 0);
    const t2 = performance.now();
    const c = gan.classify(concat(image, restored, latent));
    const value = {
      empty: false,
      input: image,
      mask: mask ?? null,
      restored,
      latent,
      labels: Array.from(c.labels),
      confidence: Array.from(c.confidence),
      restoreMs: t1 - t0,
      latentMs: t2 - t1,
    };
    return { value, transfer: [image.buffer, restored.buffer, latent.buffer, ...(mask ? [mask.buffer] : [])] };
  },
  classify({ images }) {
    if (!(images instanceof Float32Array) || images.length === 0 || images.length % 784) throw new Error('classify needs n × 784 values');
    const c = gan.classify(images);
    return { value: { labels: Array.from(c.labels), confidence: Array.from(c.confidence) } };
  },
  realDigits({ label, n }) {
    const pool = testPool;
    const images = new Float32Array(n * 784);
    const labels = new Uint8Array(n);
    if (pool.n === 0) return { value: { images, labels } };
    // Balanced: cycle through the classes (or only `label`) so the grid mirrors the generated one.
    const byClass = Array.from({ length: 10 }, () => []);
    for (let i = 0; i < pool.n; i++) byClass[pool.labels[i]].push(i);
    const used = new Array(10).fill(0);
    for (let k = 0; k < n; k++) {
      let cls = label ?? k % 10;
      if (byClass[cls].length === 0) cls = pool.labels[k % pool.n];
      const list = byClass[cls].length ? byClass[cls] : [k % pool.n];
      const idx = list[(used[cls]++ * 7 + (label == null ? Math.floor(k / 10) : 0)) % list.length];
      images.set(pool.images.subarray(idx * 784, idx * 784 + 784), k * 784);
      labels[k] = pool.labels[idx];
    }
    return { value: { images, labels }, transfer: [images.buffer] };
  },
  testDigit({ index }) {
    const pool = testPool;
    if (pool.n === 0) throw new Error('no test digits in the bundle');
    const i = (index ?? Math.floor(Math.random() * pool.n)) % pool.n;
    const d = gan.digits('test', i, 1);
    return { value: { image: d.images, label: d.labels[0], index: i }, transfer: [d.images.buffer] };
  },
  interpolate({ frames, seed, label }) {
    const ends = gan.latents(2, seed >>> 0);
    const z = new Float32Array(frames * latentDim);
    for (let f = 0; f < frames; f++) {
      const t = frames === 1 ? 0 : f / (frames - 1);
      for (let j = 0; j < latentDim; j++) z[f * latentDim + j] = (1 - t) * ends[j] + t * ends[latentDim + j];
    }
    let labels = null;
    if (classes > 0) labels = new Uint8Array(frames).fill(label ?? seed % 10);
    const images = gan.generate(z, labels);
    return { value: { images, frames }, transfer: [images.buffer] };
  },
  // The augmentation experiment for one K with the current generator (pauses training; several
  // seconds: progress goes out as { type: 'augmentProgress', done, total } at most every 100 ms).
  augmentEval({ k, m = 100, seeds = 2, steps = 300 }) {
    if (running) setRunning(false);
    let last = 0;
    const report = gan.augmentEval(k >>> 0, m >>> 0, seeds >>> 0, steps >>> 0, (done, total) => {
      const now = performance.now();
      if (now - last >= 100 || done === total) {
        last = now;
        post({ type: 'augmentProgress', done, total });
      }
    });
    return { value: report };
  },
  // An augmented set: nPerClass generated digits of each class, class-major (src/session.rs
  // generate_per_class; the same digits as `digitgan export-augmented` with the same weights).
  generatePerClass({ nPerClass, seed = 1 }) {
    const images = gan.generatePerClass(nPerClass >>> 0, seed >>> 0);
    return { value: { images, nPerClass }, transfer: [images.buffer] };
  },
  exportWeights() {
    const bytes = gan.exportWeights();
    const buf = bytes.slice().buffer;
    return { value: { bytes: buf, step: totalStep() }, transfer: [buf] };
  },
  importWeights({ bytes }) {
    gan.importWeights(new Uint8Array(bytes));
    stepOffset = 0 - gan.stepCount; // a loaded model starts counting at 0
    lastScoreStep = lastSaveStep = 0;
    postSamples();
    postScore();
    return { value: { step: totalStep() } };
  },
};

async function handleReset(msg) {
  let weights = null;
  if (msg.mode === 'pretrained') weights = await getPretrained();
  else if (msg.mode === 'bytes' && msg.weights) weights = new Uint8Array(msg.weights);
  gan.reset(msg.seed >>> 0, weights);
  stepOffset = 0;
  lastScoreStep = lastSaveStep = 0;
  pending = newStats();
  post({ type: 'progress', step: totalStep(), running, stepsPerSecond: 0, chunk: 0, stats: pending, reset: true });
  postSamples();
  postScore();
  if (msg.play) setRunning(true);
}

// ─── dispatch ─────────────────────────────────────────────────────────────────────────────────
self.onmessage = async (e) => {
  const msg = e.data;
  if (dead) return;
  deferWarmUp();
  try {
    switch (msg.type) {
      case 'init':
        await handleInit(msg);
        break;
      case 'play':
        setRunning(true);
        break;
      case 'pause':
        setRunning(false);
        break;
      case 'step':
        if (running) break;
        try {
          trainChunk(Math.max(1, msg.n | 0));
        } catch (err) {
          trainFailed(err);
          break;
        }
        postProgress(msg.n | 0);
        postSamples();
        break;
      case 'reset':
        setRunning(false, false); // the old model is being thrown away: no snapshot
        await handleReset(msg);
        break;
      case 'setOptions':
        try {
          applyOptions(msg.options);
        } catch (err) {
          if (isFatal(err)) throw err;
          post({ type: 'error', where: 'options', message: messageOf(err) });
        }
        break;
      case 'setGrid':
        if (msg.seed !== undefined) {
          gridSeed = msg.seed;
          gridZ = gan.latents(GRID_N, gridSeed >>> 0);
        }
        if (msg.label !== undefined) gridLabel = msg.label;
        postSamples();
        postScore();
        break;
      case 'call': {
        const fn = methods[msg.method];
        try {
          if (!fn) throw new Error(`unknown method ${msg.method}`);
          if (!gan) throw new Error('the model is still loading');
          const { value, transfer = [] } = fn(msg.args || {});
          post({ type: 'result', id: msg.id, ok: true, value }, transfer);
        } catch (err) {
          post({ type: 'result', id: msg.id, ok: false, error: messageOf(err) });
          if (isFatal(err)) throw err;
        }
        break;
      }
      case 'debugDiverge': // test hook: NaN weights, as a diverging run makes them
        gan?.debugInjectNan();
        break;
      case 'debugCrash':
        // A real panic inside Rust when the model is up (it traps: RuntimeError 'unreachable').
        if (gan) gan.debugPanic();
        throw new WebAssembly.RuntimeError('unreachable (simulated panic: no model yet)');
      default:
        post({ type: 'error', where: 'protocol', message: `unknown message ${msg.type}` });
    }
  } catch (err) {
    if (msg.type === 'init') {
      // Could not even start: report as fatal so the page can show it (and not loop forever).
      dead = true;
      post({ type: 'fatal', message: `Could not start the model: ${messageOf(err)}`, during: 'init' });
    } else if (isFatal(err)) die(err);
    else post({ type: 'error', where: msg.type, message: messageOf(err) });
  }
};

self.addEventListener('unhandledrejection', (e) => die(e.reason));
self.addEventListener('error', (e) => die(e.error || e.message));
