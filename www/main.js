// DigitGAN page: UI on the main thread; all model work happens in worker.js (see the protocol
// comment at its top). Nothing from files, storage or the URL is ever inserted as HTML.
import './style.css';
import { drawGrid, drawDigit, clearDigit } from './digits.js';
import { Curves } from './charts.js';
import { scheduleDraw } from './frames.js';
import { saveModel, loadModel, clearModel } from './store.js';
import { initShare } from './share-ui.js';
import { initAugment } from './augment-ui.js';
import { initRestore } from './restore-ui.js';
import { download } from './download.js';

const $ = (id) => document.getElementById(id);
const t0 = performance.now();

// ?wasm=plain runs the no-SIMD fallback build even where SIMD is available (to compare, and for the e2e).
const FORCE_PLAIN_WASM = new URLSearchParams(location.search).get('wasm') === 'plain';

const ui = {
  status: $('status'),
  progress: $('load-progress'),
  modelSource: $('model-source'),
  samples: $('samples-canvas'),
  real: $('real-canvas'),
  digitSelect: $('digit-select'),
  digitOptions: $('digit-options'),
  newSamples: $('new-samples'),
  interpolate: $('interpolate'),
  interpPanel: $('interp-panel'),
  interpFrame: $('interp-frame'),
  interpStrip: $('interp-strip'),
  toggle: $('train-toggle'),
  stepOnce: $('step-once'),
  trainScratch: $('train-scratch'),
  trainPretrained: $('train-pretrained'),
  resetScratch: $('reset-scratch'),
  stepCount: $('step-count'),
  sps: $('steps-per-second'),
  dLoss: $('d-loss'),
  gLoss: $('g-loss'),
  clfMean: $('clf-mean'),
  clfSure: $('clf-sure'),
  lr: $('opt-lr'),
  batch: $('opt-batch'),
  augment: $('opt-augment'),
  restorer: $('opt-restorer'),
  wasmBuild: $('wasm-build'),
  exportBtn: $('export-weights'),
  fileInput: $('weights-file-input'),
  backToPretrained: $('back-to-pretrained'),
};

// Test hooks and measurements (read by the e2e tests).
const metrics = { firstGridMs: null, readyMs: null, workerStarts: 0, restarts: 0, slowHandlers: [] };
window.__digitgan = {
  metrics,
  debugCrash: () => worker?.postMessage({ type: 'debugCrash' }),
  debugDiverge: () => worker?.postMessage({ type: 'debugDiverge' }),
};

// ─── status line ──────────────────────────────────────────────────────────────────────────────
function setStatus(text, kind = 'info') {
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
}

// ─── state ────────────────────────────────────────────────────────────────────────────────────
const state = {
  ready: false,
  running: false,
  classes: 0,
  pretrainedAvailable: false,
  source: 'pretrained',
  gridSeed: 1,
  gridLabel: null,
  step: 0,
  trainedSinceLoad: false,
  // What a restarted worker comes back with: bytes (ArrayBuffer) or null + source.
  lastGood: { bytes: null, source: 'pretrained', step: 0 },
  crashes: [],
  storageWarned: false,
};

// ─── worker + RPC ─────────────────────────────────────────────────────────────────────────────
let worker = null;
let nextId = 1;
const calls = new Map();

function startWorker(initMsg) {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'digitgan' });
  metrics.workerStarts++;
  worker.onmessage = (e) => {
    const t = performance.now();
    onWorkerMessage(e.data);
    const ms = performance.now() - t;
    if (ms > 16) metrics.slowHandlers.push({ type: e.data.type, ms: Math.round(ms), at: Math.round(t) });
  };
  worker.onerror = (e) => {
    e.preventDefault?.();
    onFatal(e.message || 'the model worker failed');
  };
  worker.onmessageerror = () => onFatal('a message from the worker could not be read');
  worker.postMessage(initMsg);
}

function call(method, args = {}, transfer = []) {
  if (!worker || !state.ready) return Promise.reject(new Error('The model is still loading.'));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    calls.set(id, { resolve, reject });
    worker.postMessage({ type: 'call', id, method, args }, transfer);
  });
}

function send(msg) {
  if (worker && state.ready) worker.postMessage(msg);
}

function initMessage() {
  const g = state.lastGood;
  return {
    type: 'init',
    weights: g.bytes ? g.bytes.slice(0) : null,
    source: g.bytes ? g.source : g.source === 'random' ? 'random' : 'pretrained',
    seed: (Math.random() * 2 ** 32) >>> 0,
    stepOffset: g.step,
    gridSeed: state.gridSeed,
    gridLabel: state.gridLabel,
    options: state.ready || metrics.workerStarts > 0 || state.optionsFromLink ? currentOptions() : null,
    wasm: FORCE_PLAIN_WASM ? 'plain' : undefined,
  };
}

function onFatal(message, during) {
  state.ready = false;
  state.running = false;
  worker?.terminate();
  worker = null;
  for (const { reject } of calls.values()) reject(new Error('The model restarted.'));
  calls.clear();
  updateControls();
  const now = performance.now();
  state.crashes = state.crashes.filter((t) => now - t < 20000);
  state.crashes.push(now);
  if (during === 'init') {
    if (!state.lastGood.bytes) {
      // Nothing else to try: the module itself cannot start in this browser.
      setStatus(`${message}. Please reload the page; if it keeps happening, this browser may not support WebAssembly SIMD.`, 'error');
      ui.progress.hidden = true;
      return;
    }
    // The saved weights themselves may be the problem: fall back to pretrained.
    state.lastGood = { bytes: null, source: 'pretrained', step: 0 };
  }
  if (state.crashes.length > 3) {
    setStatus(`The model keeps failing (${message}). Please reload the page.`, 'error');
    return;
  }
  metrics.restarts++;
  setStatus(`The model stopped with an error: ${message}. Restarting it from the last good weights…`, 'error');
  state.resumeAfterRestart = { message }; // training is not resumed automatically
  startWorker(initMessage());
}

let onAugmentProgress = () => {};

function onWorkerMessage(m) {
  switch (m.type) {
    case 'augmentProgress':
      onAugmentProgress(m);
      break;
    case 'loading':
      ui.progress.value = m.fraction;
      break;
    case 'ready':
      onReady(m);
      break;
    case 'samples':
      // Not in the same frame as a chart redraw (frames.js); a newer grid replaces a waiting one.
      scheduleDraw('samples', () => {
        drawGrid(ui.samples, m.images, m.n, m.cols);
        document.body.dataset.samplesCount = String(Number(document.body.dataset.samplesCount || 0) + 1);
        if (metrics.firstGridMs == null) {
          metrics.firstGridMs = performance.now() - t0;
          document.body.dataset.firstGridMs = String(Math.round(metrics.firstGridMs));
        }
      });
      break;
    case 'progress':
      onProgress(m);
      break;
    case 'score':
      ui.clfMean.textContent = `${(m.meanConfidence * 100).toFixed(0)}%`;
      ui.clfSure.textContent = `${Math.round(m.sureFraction * m.n)}/${m.n}`;
      break;
    case 'state':
      state.running = m.running;
      updateControls();
      if (!m.running && state.ready) setStatus(`Paused at step ${m.step.toLocaleString('en')}.`);
      break;
    case 'weights':
      onWeights(m);
      break;
    case 'result': {
      const c = calls.get(m.id);
      if (!c) break;
      calls.delete(m.id);
      if (m.ok) c.resolve(m.value);
      else c.reject(new Error(m.error));
      break;
    }
    case 'error':
      setStatus(m.message, 'error');
      if (m.where === 'options') syncOptionsFromWorker();
      break;
    case 'fatal':
      onFatal(m.message, m.during);
      break;
    default:
      break;
  }
}

function onReady(m) {
  const first = !state.ready && metrics.readyMs == null;
  state.ready = true;
  state.classes = m.classes;
  state.pretrainedAvailable = m.pretrainedAvailable;
  state.source = m.source;
  state.step = m.step;
  if (first) metrics.readyMs = performance.now() - t0;
  ui.progress.hidden = true;
  ui.wasmBuild.textContent = m.simd
    ? 'Running the WebAssembly SIMD build.'
    : `Running the plain WebAssembly build (${FORCE_PLAIN_WASM ? 'asked for by ?wasm=plain' : 'this browser has no wasm SIMD'}: training is slower).`;
  document.body.dataset.wasmBuild = m.simd ? 'simd' : 'plain';
  ui.stepCount.textContent = m.step.toLocaleString('en');
  setOptionsUi(m.options);
  buildDigitOptions();
  ui.backToPretrained.textContent = state.pretrainedAvailable ? 'Back to pretrained' : 'Forget the saved model';
  updateSourceLabel();
  updateControls();
  refreshReal();
  if (state.resumeAfterRestart) {
    setStatus(`The model stopped with an error: ${state.resumeAfterRestart.message}. It was restarted from the last good weights.`, 'error');
    state.resumeAfterRestart = null;
  } else if (m.source === 'random' && !m.pretrainedAvailable) {
    setStatus('No pretrained weights in this build — starting from random weights. Press Train to watch it learn.', 'warn');
  } else if (m.source === 'saved') {
    setStatus(`Welcome back: your last trained model (step ${m.step.toLocaleString('en')}) was restored from this browser.`);
  } else {
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    setStatus(`Ready in ${secs} s — these digits come from the pretrained generator. Press Train to watch a GAN learn.`);
  }
  if (state.storageError && first) {
    ui.status.textContent += ` (This browser will not keep your model between visits: ${state.storageError} — use “Download weights”.)`;
    ui.status.dataset.kind = 'warn';
  }
  restore.onReady();
  share.onReady();
}

// ─── training ─────────────────────────────────────────────────────────────────────────────────
const lossChart = new Curves($('chart-loss'), [
  { key: 'd_loss', label: 'D loss', color: '--c1', fallback: '#3b6fd8' },
  { key: 'g_loss', label: 'G loss', color: '--c2', fallback: '#d8703b' },
]);
const dChart = new Curves(
  $('chart-d'),
  [
    { key: 'd_real', label: 'D(x)', color: '--c3', fallback: '#2a9d6a' },
    { key: 'd_fake', label: 'D(G(z))', color: '--c4', fallback: '#b04ab8' },
  ],
  { yRange: [0, 1] },
);
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  lossChart.recolor();
  dChart.recolor();
});

function onProgress(m) {
  if (m.reset) {
    lossChart.reset();
    dChart.reset();
    ui.clfMean.textContent = ui.clfSure.textContent = '–';
  }
  state.step = m.step;
  share.refresh(); // the model may have just stopped being the bundled one
  metrics.memoryBytes = m.memoryBytes; // the worker's wasm memory (scripts/long-run.mjs watches it)
  ui.stepCount.textContent = m.step.toLocaleString('en');
  ui.sps.textContent = m.running ? m.stepsPerSecond.toFixed(1) : '–';
  const n = m.stats.step.length;
  if (n) {
    state.trainedSinceLoad = true;
    ui.dLoss.textContent = m.stats.d_loss[n - 1].toFixed(3);
    ui.gLoss.textContent = m.stats.g_loss[n - 1].toFixed(3);
    lossChart.push(m.stats);
    dChart.push(m.stats);
  }
  if (m.running && state.running) {
    setStatus(`Training… step ${m.step.toLocaleString('en')} at ${m.stepsPerSecond.toFixed(1)} steps/s.`, 'busy');
  }
}

async function onWeights(m) {
  state.lastGood = { bytes: m.bytes, source: 'saved', step: m.step };
  if (!state.trainedSinceLoad && m.reason !== 'import') return; // nothing new to keep
  const res = await saveModel({ bytes: m.bytes, step: m.step, source: state.source, savedAt: Date.now() });
  if (!res.ok) {
    if (!state.storageWarned) {
      setStatus(`Could not keep the model in this browser (${res.error}); it will be lost on reload — use “Download weights”.`, 'warn');
      state.storageWarned = true;
    }
  } else {
    ui.backToPretrained.hidden = false;
  }
}

ui.toggle.addEventListener('click', () => {
  if (!state.ready) return;
  state.running = !state.running; // optimistic; the worker confirms with 'state'
  send({ type: state.running ? 'play' : 'pause' });
  if (state.running) setStatus('Training…', 'busy');
  updateControls();
});
ui.stepOnce.addEventListener('click', () => send({ type: 'step', n: 1 }));

function reset(mode, play) {
  if (!state.ready) return;
  state.running = play;
  state.source = mode === 'pretrained' && state.pretrainedAvailable ? 'pretrained' : 'random';
  state.lastGood = { bytes: null, source: state.source, step: 0 };
  send({ type: 'reset', mode, play, seed: (Math.random() * 2 ** 32) >>> 0 });
  updateSourceLabel();
  updateControls();
  setStatus(
    state.source === 'pretrained'
      ? play ? 'Continuing from the pretrained weights…' : 'Back to the pretrained weights.'
      : play ? 'Training from scratch: the first few hundred steps are blobs — give it a minute.' : 'Reset to random weights. Press Train to start.',
    play ? 'busy' : 'info',
  );
}
ui.trainScratch.addEventListener('click', () => reset('scratch', true));
ui.trainPretrained.addEventListener('click', () => reset('pretrained', true));
ui.resetScratch.addEventListener('click', () => reset('scratch', false));

function currentOptions() {
  return {
    lr: Number(ui.lr.value),
    batch_size: Number(ui.batch.value),
    augment: ui.augment.checked,
    train_restorer: ui.restorer.checked,
  };
}
function setOptionsUi(o) {
  if (!o) return;
  const ensure = (select, value) => {
    const v = String(value);
    if (![...select.options].some((op) => Number(op.value) === Number(v))) {
      const op = document.createElement('option');
      op.value = v;
      op.textContent = v;
      select.append(op);
    }
    select.value = [...select.options].find((op) => Number(op.value) === Number(v)).value;
  };
  if (o.lr !== undefined) ensure(ui.lr, o.lr);
  if (o.batch_size !== undefined) ensure(ui.batch, o.batch_size);
  if (o.augment !== undefined) ui.augment.checked = Boolean(o.augment);
  if (o.train_restorer !== undefined) ui.restorer.checked = Boolean(o.train_restorer);
}
function syncOptionsFromWorker() {
  // The worker refused a value; the next 'ready' or a reload shows the real values. Keep UI as is.
}
for (const el of [ui.lr, ui.batch, ui.augment, ui.restorer]) {
  el.addEventListener('change', () => send({ type: 'setOptions', options: currentOptions() }));
}

function updateControls() {
  const r = state.ready;
  ui.toggle.disabled = !r;
  ui.toggle.textContent = state.running ? 'Pause' : 'Train';
  ui.toggle.setAttribute('aria-pressed', String(state.running));
  ui.stepOnce.disabled = !r || state.running;
  ui.trainScratch.disabled = !r;
  ui.trainPretrained.disabled = !r || !state.pretrainedAvailable;
  ui.resetScratch.disabled = !r;
  for (const b of [ui.newSamples, ui.interpolate, ui.exportBtn, ...restore.buttons]) b.disabled = !r;
  ui.fileInput.disabled = !r;
  ui.backToPretrained.disabled = !r;
  document.body.classList.toggle('training', state.running);
  share.refresh();
}

/** Where the model came from, in the words the page uses for it everywhere. */
const SOURCE_NAMES = { pretrained: 'pretrained', saved: 'your saved model', file: 'loaded from file', random: 'random start' };

/** The model with its steps, for status lines: "model: pretrained", "model: random start + 120 steps", … */
function describeModel() {
  const name = SOURCE_NAMES[state.source] || 'unknown weights';
  const steps = state.step.toLocaleString('en');
  if (state.source === 'saved') return `model: ${name}, step ${steps}`; // a saved model keeps its count
  return state.step > 0 ? `model: ${name} + ${steps} steps` : `model: ${name}`;
}

function updateSourceLabel() {
  ui.modelSource.textContent = SOURCE_NAMES[state.source] ? `· ${SOURCE_NAMES[state.source]}` : '';
}

// ─── explore ──────────────────────────────────────────────────────────────────────────────────
function buildDigitOptions() {
  ui.digitSelect.hidden = state.classes === 0;
  if (state.classes === 0 || ui.digitOptions.childElementCount) return;
  const choices = [['all', 'All'], ...Array.from({ length: state.classes }, (_, i) => [String(i), String(i)])];
  for (const [value, text] of choices) {
    const id = `digit-${value}`;
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'digit';
    input.id = id;
    input.value = value;
    input.dataset.testid = `digit-${value}`;
    input.checked = (state.gridLabel == null && value === 'all') || String(state.gridLabel) === value;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = text;
    if (value === 'all') label.title = 'One of each digit';
    input.addEventListener('change', () => {
      state.gridLabel = value === 'all' ? null : Number(value);
      send({ type: 'setGrid', label: state.gridLabel });
      refreshReal();
    });
    ui.digitOptions.append(input, label);
  }
}

async function refreshReal() {
  try {
    const { images } = await call('realDigits', { label: state.gridLabel, n: 40 });
    drawGrid(ui.real, images, 40, 10);
  } catch (err) {
    if (state.ready) setStatus(`Could not show real digits: ${err.message}`, 'error');
  }
}

ui.newSamples.addEventListener('click', () => {
  state.gridSeed = (Math.random() * 2 ** 31) >>> 0;
  send({ type: 'setGrid', seed: state.gridSeed });
});

let interpAnim = 0;
ui.interpolate.addEventListener('click', async () => {
  try {
    const frames = 48;
    const seed = (Math.random() * 2 ** 31) >>> 0;
    const { images } = await call('interpolate', { frames, seed, label: state.gridLabel });
    ui.interpPanel.hidden = false;
    const strip = new Float32Array(10 * 784);
    for (let k = 0; k < 10; k++) {
      const f = Math.round((k * (frames - 1)) / 9);
      strip.set(images.subarray(f * 784, f * 784 + 784), k * 784);
    }
    drawGrid(ui.interpStrip, strip, 10, 10);
    cancelAnimationFrame(interpAnim);
    const start = performance.now();
    const period = 4000;
    let lastFrame = -1;
    const tick = (now) => {
      const phase = ((now - start) % period) / period; // there and back
      const t = phase < 0.5 ? phase * 2 : 2 - phase * 2;
      const f = Math.round(t * (frames - 1));
      if (f !== lastFrame) {
        drawDigit(ui.interpFrame, images.subarray(f * 784, f * 784 + 784));
        lastFrame = f;
      }
      if (now - start < period * 4) interpAnim = requestAnimationFrame(tick);
    };
    interpAnim = requestAnimationFrame(tick);
  } catch (err) {
    setStatus(`Interpolation failed: ${err.message}`, 'error');
  }
});

// ─── draw & restore (restore-ui.js) ───────────────────────────────────────────────────────────
const restore = initRestore({ call, setStatus, ready: () => state.ready, model: describeModel });

// ─── augmentation experiment (augment-ui.js) ──────────────────────────────────────────────────
initAugment({
  call,
  setStatus,
  ready: () => state.ready,
  modelLabel: () => SOURCE_NAMES[state.source] || 'unknown weights',
  onProgress: (fn) => {
    onAugmentProgress = fn;
  },
});

// ─── share links (share-ui.js, format in share.js) ────────────────────────────────────────────
const share = initShare({
  setStatus,
  ready: () => state.ready,
  bundledWeights: () => state.source === 'pretrained' && state.step === 0 && !state.running,
  async collect() {
    return {
      gridSeed: state.gridSeed >>> 0,
      gridLabel: state.gridLabel,
      options: currentOptions(),
      customWeights: !(state.source === 'pretrained' && state.step === 0 && !state.running),
      drawing: await restore.shareDrawing(),
    };
  },
  async show(s) {
    if (s.drawing) await restore.showShared(s.drawing);
  },
});

// ─── keep: export / import / IndexedDB ────────────────────────────────────────────────────────
ui.exportBtn.addEventListener('click', async () => {
  try {
    const { bytes, step } = await call('exportWeights');
    download(new Blob([bytes], { type: 'application/octet-stream' }), 'digitgan-weights.dgw');
    setStatus(`Downloaded the weights at step ${step.toLocaleString('en')} (${(bytes.byteLength / 1024).toFixed(0)} KB).`);
  } catch (err) {
    setStatus(`Could not export the weights: ${err.message}`, 'error');
  }
});

ui.fileInput.addEventListener('change', async () => {
  const file = ui.fileInput.files?.[0];
  ui.fileInput.value = '';
  if (!file) return;
  try {
    if (file.size > 64 * 1024 * 1024) throw new Error('the file is too large to be DigitGAN weights');
    const bytes = await file.arrayBuffer();
    await call('importWeights', { bytes: bytes.slice(0) });
    state.source = 'file';
    state.lastGood = { bytes, source: 'file', step: 0 };
    state.step = 0;
    ui.stepCount.textContent = '0';
    lossChart.reset();
    dChart.reset();
    updateSourceLabel();
    setStatus(`Loaded weights from “${file.name}”.`);
    onWeights({ bytes, step: 0, reason: 'import' });
  } catch (err) {
    setStatus(`Could not load “${file.name}”: ${err.message}. The current model is unchanged.`, 'error');
  }
});

ui.backToPretrained.addEventListener('click', async () => {
  reset('pretrained', false);
  state.trainedSinceLoad = false;
  ui.backToPretrained.hidden = true;
  const res = await clearModel();
  if (!res.ok) setStatus(`Back to pretrained (could not clear the saved model: ${res.error}).`, 'warn');
});

// ─── start ────────────────────────────────────────────────────────────────────────────────────
clearDigit(ui.interpFrame);
updateControls();

(async () => {
  const shared = await share.readLink();
  if (shared) {
    // A link replays with the bundled pretrained weights (a saved model stays in IndexedDB).
    state.gridSeed = shared.gridSeed;
    state.gridLabel = shared.gridLabel;
    setOptionsUi(shared.options);
    state.optionsFromLink = true;
  }
  const saved = shared ? { ok: true, record: null } : await loadModel();
  if (saved.record) {
    state.lastGood = { bytes: saved.record.bytes, source: 'saved', step: saved.record.step || 0 };
    ui.backToPretrained.hidden = false;
  } else if (!saved.ok) {
    state.storageWarned = true;
    state.storageError = saved.error;
  }
  startWorker(initMessage());
})();
