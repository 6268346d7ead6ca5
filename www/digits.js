// Drawing 28×28 digits (Float32Array, ink = 1) onto canvases as light ink on a dark tile,
// the classic MNIST look, in both colour schemes. Canvas pixels are scaled up by CSS
// (image-rendering: pixelated), so one canvas pixel = one digit pixel.
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
const BG = [12, 14, 19];

// 256-entry colour table: no allocation per pixel (the grid is redrawn several times a second).
const LUT = new Uint8ClampedArray(256 * 3);
for (let i = 0; i < 256; i++) {
  for (let c = 0; c < 3; c++) LUT[i * 3 + c] = Math.round(BG[c] + ((255 - BG[c]) * i) / 255);
}

/** Grid of n digits, `cols` per row, `gap` transparent pixels between tiles. */
export function drawGrid(canvas, images, n, cols, gap = 2) {
  const rows = Math.ceil(n / cols);
  const w = cols * SIDE + (cols - 1) * gap;
  const h = rows * SIDE + (rows - 1) * gap;
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(w, h); // transparent gaps
  const d = img.data;
  for (let k = 0; k < n; k++) {
    const ox = (k % cols) * (SIDE + gap);
    const oy = Math.floor(k / cols) * (SIDE + gap);
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const v = images[k * PIXELS + y * SIDE + x];
        const l = (v <= 0 ? 0 : v >= 1 ? 255 : (v * 255 + 0.5) | 0) * 3;
        const o = ((oy + y) * w + ox + x) * 4;
        d[o] = LUT[l];
        d[o + 1] = LUT[l + 1];
        d[o + 2] = LUT[l + 2];
        d[o + 3] = 255;
      }
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** One digit on a 28×28 canvas. */
export function drawDigit(canvas, image) {
  drawGrid(canvas, image, 1, 1, 0);
}

/** Clear a digit canvas to the empty tile colour. */
export function clearDigit(canvas) {
  drawDigit(canvas, new Float32Array(PIXELS));
}

/** Hatched overlay for unknown (masked) pixels: transparent elsewhere. */
export function drawMask(canvas, mask) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(SIDE, SIDE);
  if (mask) {
    for (let i = 0; i < PIXELS; i++) {
      if (mask[i] > 0.5) {
        const x = i % SIDE;
        const y = (i / SIDE) | 0;
        const stripe = (x + y) % 3 === 0;
        img.data[i * 4] = 240;
        img.data[i * 4 + 1] = stripe ? 120 : 90;
        img.data[i * 4 + 2] = stripe ? 60 : 40;
        img.data[i * 4 + 3] = stripe ? 200 : 90;
      }
    }
  }
  ctx.putImageData(img, 0, 0);
}
