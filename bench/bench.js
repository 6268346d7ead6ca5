// Bench page: runs one contender at a time, each in a fresh dedicated worker, and returns the
// worker's result. Called by scripts/bench-browser.mjs through window.runContender(spec).
//   spec: { kind: 'digitgan' | 'tfjs', backend?, warmupMs, windows, windowMs, minSteps, timeoutMs, ... }
const log = document.getElementById('log');

window.runContender = (spec) =>
  new Promise((resolve) => {
    // Classic workers (importScripts for measure.js and TF.js; DigitGAN's ES module by import()).
    const worker = new Worker(new URL(`./${spec.kind}-worker.js`, import.meta.url));
    const done = (result) => {
      clearTimeout(timer);
      worker.terminate();
      log.textContent += `\n${spec.name}: ${JSON.stringify(result)}`;
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, error: `timed out after ${spec.timeoutMs} ms` }), spec.timeoutMs);
    worker.onmessage = (e) => done(e.data);
    worker.onerror = (e) => done({ ok: false, error: `worker error: ${e.message || 'failed to load'}` });
    worker.postMessage(spec);
  });

// Main-thread long tasks while a contender runs (should be none: all work is in the worker).
window.longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.longTasks.push(e.duration);
}).observe({ type: 'longtask', buffered: true });
