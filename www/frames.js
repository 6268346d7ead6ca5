// One queue for the page's redraws while training streams in: each animation frame runs the
// oldest pending job only, so the sample grid and the two charts never share a frame.
//
// Why: on a CPU-only machine a chart redraw is ~18 ms and the compositor's commit of a changed
// canvas ~30 ms; two or three redraws landing in one frame made the main-thread long tasks
// (> 50 ms) that session 3's long run still counted. Jobs are keyed: scheduling a key that is
// already queued replaces its function (the newest samples win) and keeps its place.

const queue = new Map(); // key → fn, in first-scheduled order
let frame = 0;

function run() {
  frame = 0;
  const next = queue.entries().next();
  if (next.done) return;
  const [key, fn] = next.value;
  queue.delete(key);
  try {
    fn();
  } finally {
    if (queue.size) frame = requestAnimationFrame(run);
  }
}

/** Runs `fn` in a coming animation frame, alone; a newer `fn` for the same key replaces it. */
export function scheduleDraw(key, fn) {
  queue.set(key, fn);
  if (!frame) frame = requestAnimationFrame(run);
}

/** Jobs still waiting (for tests and the bench). */
export function pendingDraws() {
  return queue.size;
}
