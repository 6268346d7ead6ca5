// Shared timing loop of the bench workers: warm-up, then `windows` timed windows of at least
// `windowMs` and `minSteps` steps each; steps/s per window and their median.
// eslint-disable-next-line no-unused-vars
async function measureSteps(step, { warmupMs, warmupSteps = 3, windows, windowMs, minSteps }) {
  const now = () => performance.now();
  let t0 = now();
  let n = 0;
  while (now() - t0 < warmupMs || n < warmupSteps) {
    await step();
    n++;
  }
  const warmup = { steps: n, ms: now() - t0 };
  const rates = [];
  for (let w = 0; w < windows; w++) {
    let s = 0;
    t0 = now();
    while (now() - t0 < windowMs || s < minSteps) {
      await step();
      s++;
    }
    rates.push((s * 1000) / (now() - t0));
  }
  return { warmup, rates, median: median(rates) };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The bundled digits (assets/mnist-subset.bin.gz, layout in scripts/mnist-format.mjs). */
async function fetchDigitsGz(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The training digits as Float32Array(n*784) in the tanh range [-1, 1]. */
async function decodeTrainDigits(gz) {
  const raw = new Uint8Array(
    await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer(),
  );
  const dv = new DataView(raw.buffer);
  const nTrain = dv.getUint16(6, true);
  const nTest = dv.getUint16(8, true);
  const px = raw.subarray(16 + nTrain + nTest, 16 + nTrain + nTest + nTrain * 784);
  const out = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) out[i] = (px[i] / 255) * 2 - 1;
  return { images: out, n: nTrain };
}

/** Wall-clock ms of `reps` calls of f after one warm call; best of `rounds`. */
function bestMs(f, reps, rounds = 5) {
  f();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) f();
    best = Math.min(best, (performance.now() - t) / reps);
  }
  return best;
}
