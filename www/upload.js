// An uploaded image (any size, any format the browser decodes) turned into drawing-pad ink.
//
// Photos and scans are dark ink on light paper; MNIST-style images are light ink on black; PNGs
// may have a transparent background. The background level is read from the image's border, ink
// is the distance from it, normalised and cleaned of paper texture. The image is fitted
// (aspect kept) and centred in the pad; mnistify then crops and centres it like any drawing.

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const MAX_SIDE = 4096;
const TEXTURE = 0.15; // ink below this (after normalising) is paper, not stroke
/** Below this many pixels on its shorter side an image cannot hold a digit's strokes. */
export const MIN_USEFUL_SIDE = 20;

/** A warning for images too small to carry a digit (null when the size is fine). */
export function smallImageHint(width, height) {
  const side = Math.min(width, height);
  if (side >= MIN_USEFUL_SIDE) return null;
  return `is only ${width}×${height} px, too small to hold a digit's strokes, so the restoration will be a blur; use an image at least 28 px on each side`;
}

/**
 * Ink (Float32Array w×h, 0..1) from an image File/Blob, with the image's own size:
 * { ink, width, height }. Throws an Error with a user message.
 */
export async function imageFileToInk(file, w, h) {
  if (!file || !file.size) throw new Error('the file is empty');
  if (file.size > MAX_UPLOAD_BYTES) throw new Error('the image is larger than 10 MB');
  if (file.type && !file.type.startsWith('image/')) throw new Error(`"${file.type}" is not an image`);
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error('the browser cannot decode this file as an image');
  }
  try {
    if (!bitmap.width || !bitmap.height) throw new Error('the image has no pixels');
    if (bitmap.width > MAX_SIDE || bitmap.height > MAX_SIDE) {
      throw new Error(`the image is ${bitmap.width}×${bitmap.height}; at most ${MAX_SIDE}×${MAX_SIDE}`);
    }
    return { ink: rgbaToInk(fitted(bitmap, w, h), w, h), width: bitmap.width, height: bitmap.height };
  } finally {
    bitmap.close?.();
  }
}

/** The bitmap drawn into a w×h RGBA buffer, aspect kept, centred, transparent around it. */
function fitted(bitmap, w, h) {
  const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const s = Math.min(w / bitmap.width, h / bitmap.height);
  const dw = Math.max(1, Math.round(bitmap.width * s));
  const dh = Math.max(1, Math.round(bitmap.height * s));
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, Math.floor((w - dw) / 2), Math.floor((h - dh) / 2), dw, dh);
  return { data: ctx.getImageData(0, 0, w, h).data, box: [Math.floor((w - dw) / 2), Math.floor((h - dh) / 2), dw, dh] };
}

/**
 * Pure part, exported for tests: RGBA (the fitted image inside `box`, transparent elsewhere) → ink.
 */
export function rgbaToInk({ data, box }, w, h) {
  const [bx, by, bw, bh] = box;
  const n = w * h;
  const lum = new Float32Array(n);
  const alpha = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = data[4 * i], g = data[4 * i + 1], b = data[4 * i + 2];
    lum[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    alpha[i] = data[4 * i + 3] / 255;
  }
  // Background from the image's own border (2 px inside its box).
  const border = [];
  let borderAlpha = 0;
  for (let y = by; y < by + bh; y++) {
    for (let x = bx; x < bx + bw; x++) {
      if (y - by < 2 || by + bh - 1 - y < 2 || x - bx < 2 || bx + bw - 1 - x < 2) {
        border.push(lum[y * w + x]);
        borderAlpha += alpha[y * w + x];
      }
    }
  }
  const transparent = border.length === 0 || borderAlpha / border.length < 0.5;
  border.sort((a, b) => a - b);
  const bg = border.length ? border[border.length >> 1] : 0;
  const ink = new Float32Array(n);
  let peak = 0;
  for (let i = 0; i < n; i++) {
    // Transparent background: whatever is opaque is ink. Else: distance from the paper's level.
    const v = transparent ? alpha[i] : alpha[i] * Math.abs(lum[i] - bg);
    ink[i] = v;
    if (v > peak) peak = v;
  }
  if (peak < 0.05) return new Float32Array(n); // a blank image: the page says there is nothing to restore
  for (let i = 0; i < n; i++) {
    const v = ink[i] / peak;
    ink[i] = v < TEXTURE ? 0 : Math.min(1, (v - TEXTURE) / (1 - 2 * TEXTURE));
  }
  return ink;
}
