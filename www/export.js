// The augmented-set download: the same four files as `digitgan export-augmented` (README
// "Export format"), packed in one uncompressed .zip so the browser makes a single download.
// Pure functions (no DOM) except spritePng, which draws on an OffscreenCanvas or a <canvas>.
import { crc32 } from './crc32.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** A NumPy .npy v1.0 file: `descr` '<f4' or '|u1', C order, the header padded to 64 bytes. */
export function npy(values, descr, shape) {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(head.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) head[10 + i] = header.charCodeAt(i);
  const body = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length); // little-endian on every browser platform
  return out;
}

/** Row-major labels of the sprite's cells, `columns` per line (as labels.txt of the CLI). */
export function labelsText(labels, columns) {
  const rows = [];
  for (let i = 0; i < labels.length; i += columns) rows.push(Array.from(labels.slice(i, i + columns)).join(' '));
  return rows.join('\n') + '\n';
}

/** Sprite columns: one class per row when it fits, else 50 cells per row (as the CLI). */
export function spriteColumns(nPerClass) {
  return nPerClass <= 50 ? nPerClass : 50;
}

/** Grey pixel bytes of the sprite sheet: 28×28 cells, `columns` per row, black background. */
export function spritePixels(images, columns) {
  const n = images.length / PIXELS;
  const cols = Math.max(1, Math.min(columns, n));
  const rows = Math.max(1, Math.ceil(n / cols));
  const w = cols * SIDE;
  const h = rows * SIDE;
  const grey = new Uint8Array(w * h);
  for (let k = 0; k < n; k++) {
    const ox = (k % cols) * SIDE;
    const oy = Math.floor(k / cols) * SIDE;
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const v = images[k * PIXELS + y * SIDE + x];
        grey[(oy + y) * w + ox + x] = Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
    }
  }
  return { grey, width: w, height: h };
}

/** The sprite sheet as PNG bytes (the browser's encoder; RGBA, grey values). */
export async function spritePng(images, columns) {
  const { grey, width, height } = spritePixels(images, columns);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < grey.length; i++) {
    rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = grey[i];
    rgba[4 * i + 3] = 255;
  }
  const data = new ImageData(rgba, width, height);
  let blob;
  if (typeof OffscreenCanvas !== 'undefined') {
    const c = new OffscreenCanvas(width, height);
    c.getContext('2d').putImageData(data, 0, 0);
    blob = await c.convertToBlob({ type: 'image/png' });
  } else {
    const c = document.createElement('canvas');
    [c.width, c.height] = [width, height];
    c.getContext('2d').putImageData(data, 0, 0);
    blob = await new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  }
  return new Uint8Array(await blob.arrayBuffer());
}

/**
 * A .zip of `files` ([{ name, bytes }]) with every entry stored (no compression: .npy floats and
 * PNGs barely shrink). Fixed timestamp (1980-01-01) so the same content gives the same bytes.
 */
export function zipStore(files) {
  const enc = new TextEncoder();
  const chunks = [];
  const central = [];
  let offset = 0;
  for (const { name, bytes } of files) {
    const nameBytes = enc.encode(name);
    const crc = crc32(bytes);
    const local = new Uint8Array(30 + nameBytes.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true); // local file header
    lv.setUint16(4, 20, true); // version needed 2.0
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, 0, true); // stored
    lv.setUint16(10, 0, true); // time 00:00
    lv.setUint16(12, 0x21, true); // date 1980-01-01
    lv.setUint32(14, crc, true);
    lv.setUint32(18, bytes.length, true);
    lv.setUint32(22, bytes.length, true);
    lv.setUint16(26, nameBytes.length, true);
    local.set(nameBytes, 30);
    const entry = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true); // central directory header
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(10, 0, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, bytes.length, true);
    cv.setUint32(24, bytes.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, offset, true);
    entry.set(nameBytes, 46);
    chunks.push(local, bytes);
    central.push(entry);
    offset += local.length + bytes.length;
  }
  const centralSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true); // end of central directory
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + centralSize + end.length);
  let at = 0;
  for (const c of [...chunks, ...central, end]) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The augmented set's files, given class-major images ([0, 1]) with `nPerClass` per class. */
export async function augmentedSetFiles(images, nPerClass, note) {
  const n = images.length / PIXELS;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = Math.floor(i / nPerClass);
  const columns = spriteColumns(nPerClass);
  const enc = new TextEncoder();
  return [
    { name: 'images.npy', bytes: npy(images, '<f4', [n, SIDE, SIDE]) },
    { name: 'labels.npy', bytes: npy(labels, '|u1', [n]) },
    { name: 'sprite.png', bytes: await spritePng(images, columns) },
    { name: 'labels.txt', bytes: enc.encode(labelsText(labels, columns)) },
    { name: 'README.txt', bytes: enc.encode(note) },
  ];
}
