// Live training curves with uPlot (canvas-based, cheap to update with streaming data).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { scheduleDraw } from './frames.js';

const MAX_POINTS = 3000; // older history is thinned out (every other point dropped)
// Redraw at most this often while data streams in: a uPlot redraw plus the compositor's commit of
// the canvas is ~20–50 ms of main-thread time on a slow CPU without GPU, and at 10 Hz it shared
// frames with the sample grid's redraw often enough to make 50–75 ms long tasks.
const MIN_REDRAW_MS = 400;
const SMOOTH = 0.08; // EMA factor for the plotted lines (raw per-step losses are very noisy)

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export class Curves {
  /** series: [{ key, label, color }] keys are fields of the worker's stats */
  constructor(container, series, { yRange } = {}) {
    this.container = container;
    this.series = series;
    this.yRange = yRange;
    this.x = [];
    this.ys = series.map(() => []);
    this.ema = series.map(() => null);
    this.plot = null;
    this.pending = false;
    this.create();
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(container);
  }

  size() {
    const w = Math.max(200, Math.floor(this.container.clientWidth));
    return { width: w, height: Math.round(Math.min(220, Math.max(150, w * 0.45))) };
  }

  create() {
    this.plot?.destroy();
    const text = cssVar('--muted', '#666');
    const grid = cssVar('--grid', 'rgba(128,128,128,0.2)');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
    const opts = {
      ...this.size(),
      legend: { show: true, live: false },
      cursor: { show: false },
      scales: {
        // Fixed ranges while empty, so the axes show before the first step.
        x: { time: false, range: (u, min, max) => (min == null || min === max ? [min ?? 0, (min ?? 0) + 100] : [min, max]) },
        y: {
          range: this.yRange
            ? this.yRange
            : (u, min, max) => (min == null ? [0, 2] : [Math.min(0, min), Math.max(0.5, max * 1.08)]),
        },
      },
      axes: [{ ...axis, size: 34 }, { ...axis, size: 44 }],
      series: [
        { label: 'step' },
        ...this.series.map((s) => ({ label: s.label, stroke: cssVar(s.color, s.fallback), width: 1.6, points: { show: false } })),
      ],
    };
    this.plot = new uPlot(opts, [this.x, ...this.ys], this.container);
  }

  resize() {
    if (this.plot) this.plot.setSize(this.size());
  }

  reset() {
    this.x = [];
    this.ys = this.series.map(() => []);
    this.ema = this.series.map(() => null);
    this.flush(true);
  }

  push(stats) {
    const n = stats.step.length;
    for (let i = 0; i < n; i++) {
      this.x.push(stats.step[i]);
      this.series.forEach((s, k) => {
        const v = stats[s.key][i];
        const e = this.ema[k] == null || !Number.isFinite(this.ema[k]) ? v : this.ema[k] + SMOOTH * (v - this.ema[k]);
        this.ema[k] = e;
        this.ys[k].push(e);
      });
    }
    if (this.x.length > MAX_POINTS) {
      const keep = (_, i) => i % 2 === 0 || i >= this.x.length - 200;
      this.x = this.x.filter(keep);
      this.ys = this.ys.map((y) => y.filter(keep));
    }
    this.flush();
  }

  flush(now = false) {
    if (now) {
      this.draw();
      return;
    }
    if (this.pending) return;
    this.pending = true;
    const wait = Math.max(0, (this.lastDraw ?? -Infinity) + MIN_REDRAW_MS - performance.now());
    setTimeout(
      () =>
        scheduleDraw(this, () => {
          this.pending = false;
          this.draw();
        }),
      wait,
    );
  }

  draw() {
    this.lastDraw = performance.now();
    this.plot.setData([this.x, ...this.ys]);
  }

  recolor() {
    this.create();
  }
}
