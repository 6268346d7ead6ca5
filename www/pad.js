// The drawing pad: an ink layer (0..1) and a mask layer (1 = erased/unknown) at the canvas's own
// resolution, edited with pointer events (mouse, pen, touch). The canvas is scaled by CSS.
const PEN_RADIUS = 12;
const ERASER_RADIUS = 15;
const BLOCK_FRACTION = 0.3; // block side as a fraction of the pad

export class Pad {
  constructor(canvas, { onChange } = {}) {
    this.canvas = canvas;
    this.w = canvas.width;
    this.h = canvas.height;
    this.ink = new Float32Array(this.w * this.h);
    this.mask = new Uint8Array(this.w * this.h);
    this.tool = 'pen';
    this.onChange = onChange || (() => {});
    this.ctx = canvas.getContext('2d');
    this.image = this.ctx.createImageData(this.w, this.h);
    this.dirty = true;
    this.last = null;
    this.pointer = null;
    this.busy = false; // see setBusy
    this.colors = { paper: [255, 255, 255], ink: [20, 22, 28], hatch: [225, 110, 60] };
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
    canvas.addEventListener('lostpointercapture', (e) => this.up(e));
    this.render();
  }

  /** While busy (its content about to be replaced) the pad takes no edit and says so (aria-busy). */
  setBusy(busy) {
    this.busy = busy;
    if (busy) this.canvas.setAttribute('aria-busy', 'true');
    else this.canvas.removeAttribute('aria-busy');
  }

  setColors(colors) {
    this.colors = { ...this.colors, ...colors };
    this.dirty = true;
    this.render();
  }

  pos(e) {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * this.w, ((e.clientY - r.top) / r.height) * this.h];
  }

  down(e) {
    if (this.busy || (e.button !== undefined && e.button !== 0)) return;
    e.preventDefault();
    this.canvas.setPointerCapture?.(e.pointerId);
    const p = this.pos(e);
    if (this.tool === 'block') {
      this.block(p[0], p[1]);
      this.changed(true);
      return;
    }
    this.pointer = e.pointerId;
    this.last = p;
    this.stamp(p[0], p[1], e.pressure);
    this.changed(false);
  }

  move(e) {
    if (this.pointer !== e.pointerId || !this.last) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of events.length ? events : [e]) {
      const p = this.pos(ev);
      this.segment(this.last, p, ev.pressure);
      this.last = p;
    }
    this.changed(false);
  }

  up(e) {
    if (this.pointer !== e.pointerId) return;
    this.pointer = null;
    this.last = null;
    this.changed(true);
  }

  radius(pressure) {
    const base = this.tool === 'eraser' ? ERASER_RADIUS : PEN_RADIUS;
    // Pens report pressure; mice report 0.5 while pressed (treated as full size).
    const p = pressure && pressure !== 0.5 ? 0.6 + 0.8 * pressure : 1;
    return base * (this.w / 224) * p;
  }

  segment(a, b, pressure) {
    const r = this.radius(pressure);
    const dist = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const n = Math.max(1, Math.ceil(dist / Math.max(1, r / 3)));
    for (let i = 1; i <= n; i++) {
      const t = i / n;
      this.stamp(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, pressure);
    }
  }

  stamp(cx, cy, pressure) {
    const r = this.radius(pressure);
    const x0 = Math.max(0, Math.floor(cx - r - 1));
    const x1 = Math.min(this.w - 1, Math.ceil(cx + r + 1));
    const y0 = Math.max(0, Math.floor(cy - r - 1));
    const y1 = Math.min(this.h - 1, Math.ceil(cy + r + 1));
    const erase = this.tool === 'eraser';
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        const a = Math.min(1, Math.max(0, r + 0.5 - d));
        if (a <= 0) continue;
        const i = y * this.w + x;
        if (erase) {
          this.ink[i] *= 1 - a;
          if (a > 0.5) this.mask[i] = 1;
        } else {
          if (a > this.ink[i]) this.ink[i] = a;
          if (a > 0.5) this.mask[i] = 0; // drawing over an erased spot makes it known again
        }
      }
    }
    this.dirty = true;
  }

  block(cx, cy) {
    const side = Math.round(Math.min(this.w, this.h) * BLOCK_FRACTION);
    const x0 = Math.max(0, Math.round(cx - side / 2));
    const y0 = Math.max(0, Math.round(cy - side / 2));
    for (let y = y0; y < Math.min(this.h, y0 + side); y++) {
      for (let x = x0; x < Math.min(this.w, x0 + side); x++) {
        const i = y * this.w + x;
        this.ink[i] = 0;
        this.mask[i] = 1;
      }
    }
    this.dirty = true;
  }

  /** Blind damage: speckle noise in cells about one MNIST pixel wide, inside the ink's box. */
  noise(amount = 0.35, rng = Math.random) {
    const box = this.inkBox();
    if (!box) return false;
    const [bx0, by0, bx1, by1] = box;
    const cell = Math.max(2, Math.round(Math.max(bx1 - bx0, by1 - by0) / 20));
    for (let cy = by0; cy <= by1; cy += cell) {
      for (let cx = bx0; cx <= bx1; cx += cell) {
        if (rng() > amount) continue;
        const v = rng() < 0.5 ? rng() * 0.9 : -1; // grey speck or a hole
        for (let y = cy; y < Math.min(by1 + 1, cy + cell); y++) {
          for (let x = cx; x < Math.min(bx1 + 1, cx + cell); x++) {
            const i = y * this.w + x;
            this.ink[i] = v < 0 ? this.ink[i] * 0.1 : Math.max(this.ink[i] * 0.5, v);
          }
        }
      }
    }
    this.dirty = true;
    this.changed(true);
    return true;
  }

  inkBox() {
    let x0 = this.w;
    let y0 = this.h;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < this.h; y++) {
      for (let x = 0; x < this.w; x++) {
        if (this.ink[y * this.w + x] > 0.2) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    return x1 < 0 ? null : [x0, y0, x1, y1];
  }

  /** Fill the pad with a 28×28 digit (bilinear upscaling); clears the mask. */
  setDigit(image, { silent = false } = {}) {
    const s = 28;
    for (let y = 0; y < this.h; y++) {
      const fy = Math.min(s - 1, Math.max(0, ((y + 0.5) * s) / this.h - 0.5));
      const y0 = Math.floor(fy);
      const y1 = Math.min(s - 1, y0 + 1);
      const ty = fy - y0;
      for (let x = 0; x < this.w; x++) {
        const fx = Math.min(s - 1, Math.max(0, ((x + 0.5) * s) / this.w - 0.5));
        const x0 = Math.floor(fx);
        const x1 = Math.min(s - 1, x0 + 1);
        const tx = fx - x0;
        const v =
          (1 - ty) * ((1 - tx) * image[y0 * s + x0] + tx * image[y0 * s + x1]) +
          ty * ((1 - tx) * image[y1 * s + x0] + tx * image[y1 * s + x1]);
        this.ink[y * this.w + x] = v;
      }
    }
    this.mask.fill(0);
    this.dirty = true;
    if (!silent) this.changed(true);
  }

  /**
   * Show a 28×28 digit and its mask (1 = unknown, nearest-neighbour) without reporting a change:
   * a shared link's input is shown here for editing, while the page keeps the exact 28×28 bytes.
   */
  show(image, mask) {
    this.setDigit(image, { silent: true });
    if (mask) {
      for (let y = 0; y < this.h; y++) {
        const my = Math.min(27, Math.floor((y * 28) / this.h));
        for (let x = 0; x < this.w; x++) {
          if (mask[my * 28 + Math.min(27, Math.floor((x * 28) / this.w))] > 0.5) this.mask[y * this.w + x] = 1;
        }
      }
    }
    this.dirty = true;
    this.render();
  }

  /** Replace the drawing with ink (Float32Array of the pad's w×h, 0..1); clears the mask. */
  setInk(ink) {
    this.ink.set(ink);
    this.mask.fill(0);
    this.dirty = true;
    this.changed(true);
  }

  clear() {
    this.ink.fill(0);
    this.mask.fill(0);
    this.dirty = true;
    this.changed(true);
  }

  isEmpty() {
    return !this.ink.some((v) => v > 0.05);
  }

  /** { pixels: Float32Array, mask: Float32Array|null } for mnistify (mask null if nothing erased). */
  snapshot() {
    const pixels = Float32Array.from(this.ink);
    let mask = null;
    if (this.mask.some((m) => m)) mask = Float32Array.from(this.mask);
    return { pixels, mask, width: this.w, height: this.h };
  }

  changed(final) {
    this.render();
    this.onChange(final);
  }

  render() {
    if (!this.dirty) return;
    this.dirty = false;
    const { paper, ink, hatch } = this.colors;
    const d = this.image.data;
    for (let i = 0, n = this.w * this.h; i < n; i++) {
      const v = this.ink[i];
      let r = paper[0] + (ink[0] - paper[0]) * v;
      let g = paper[1] + (ink[1] - paper[1]) * v;
      let b = paper[2] + (ink[2] - paper[2]) * v;
      if (this.mask[i] && v < 0.5) {
        const x = i % this.w;
        const y = (i / this.w) | 0;
        const k = (x + y) % 10 < 3 ? 0.55 : 0.18;
        r += (hatch[0] - r) * k;
        g += (hatch[1] - g) * k;
        b += (hatch[2] - b) * k;
      }
      const o = i * 4;
      d[o] = r;
      d[o + 1] = g;
      d[o + 2] = b;
      d[o + 3] = 255;
    }
    this.ctx.putImageData(this.image, 0, 0);
  }
}
