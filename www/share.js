// Share links: the state of a view, packed into a URL fragment (`#v1.…`, never sent to a server).
// Pure module (no DOM): used by the page (share-ui.js) and by tests/unit/share.test.mjs in Node.
//
// Fragment  "v" VERSION "." base64url( deflate-raw( payload ) )
//   The version is plain text in front, so a later build can read old links (and an old build
//   can say "made by a newer DigitGAN" instead of "damaged") without decoding anything.
//
// Payload v1 (little-endian), then a CRC-32 of everything before it:
//   u8   flags    1 grid label · 2 drawing · 4 mask · 8 restored · 16 augment · 32 train_restorer
//                 · 64 custom weights (the sender's model was not the bundled pretrained one) · 128 reserved (0)
//   u16  weightsId                     CRC-32 & 0xffff of the sender's bundled pretrained weights
//                                      (the receiver warns when its build bundles other weights)
//   u32  gridSeed                      the sample grid's fixed latents
//   u8   gridLabel                     only with flag 1 (0..9)
//   f64  lr, u16 batch_size            training options
//   u32  restoreSeed                   only with flag 8 (latent search seed)
//   784 × u8 image                     only with flag 2: the 28×28 input the model saw, k/255
//   98 × u8 mask                       only with flag 4: 784 bits, 1 = unknown pixel, LSB first
//   u32  CRC-32
// A v1 payload is 21..908 bytes: lengths are checked exactly, so truncation and tampering are
// caught by the length, the CRC or the inflater. Decoding refuses fragments over MAX_FRAGMENT
// characters before it touches them, and stops inflating past MAX_PAYLOAD bytes.

export const VERSION = 1;
export const PIXELS = 784;
export const MAX_FRAGMENT = 2048; // characters; the largest possible v1 link is ~1,220
export const MAX_PAYLOAD = 4096; // bytes after inflating; a v1 payload is at most 908

const F = { label: 1, drawing: 2, mask: 4, restored: 8, augment: 16, trainRestorer: 32, custom: 64 };
const MASK_BYTES = PIXELS / 8;

/** Is this fragment (with or without '#') meant to be a share link? Other fragments (#main) are not. */
export function isShareFragment(fragment) {
  return typeof fragment === 'string' && /^#?v\d/.test(fragment);
}

// ─── helpers the page uses to make the exact bytes a link carries ────────────────────────────
import { crc32 } from './crc32.js';
/** Float image (0..1) → bytes k, with the same rounding the canvases use (digits.js). */
export function quantise(image) {
  const out = new Uint8Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) {
    const v = image[i];
    out[i] = v <= 0 || !(v === v) ? 0 : v >= 1 ? 255 : (v * 255 + 0.5) | 0;
  }
  return out;
}
/** Bytes k → Float32Array of k/255. */
export function dequantise(bytes) {
  const out = new Float32Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) out[i] = bytes[i] / 255;
  return out;
}
/** Float mask → 0/1 bytes (1 = unknown). */
export function maskBits(mask) {
  const out = new Uint8Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) out[i] = mask[i] > 0.5 ? 1 : 0;
  return out;
}
export function maskFloat(bits) {
  return Float32Array.from(bits);
}

// ─── validation ───────────────────────────────────────────────────────────────────────────────
const isU32 = (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isU16 = (v) => Number.isInteger(v) && v >= 0 && v <= 0xffff;
function checkState(s) {
  const bad = (what) => {
    throw new TypeError(`share state: ${what}`);
  };
  if (!s || typeof s !== 'object') bad('not an object');
  if (!isU16(s.weightsId)) bad('weightsId must be a u16');
  if (!isU32(s.gridSeed)) bad('gridSeed must be a u32');
  if (!(s.gridLabel === null || (Number.isInteger(s.gridLabel) && s.gridLabel >= 0 && s.gridLabel <= 9))) bad('gridLabel must be null or 0..9');
  const o = s.options;
  if (!o || !(Number.isFinite(o.lr) && o.lr > 0 && o.lr <= 0.1)) bad('options.lr must be in (0, 0.1]');
  if (!(Number.isInteger(o.batch_size) && o.batch_size >= 1 && o.batch_size <= 512)) bad('options.batch_size must be 1..512');
  if (typeof o.augment !== 'boolean' || typeof o.train_restorer !== 'boolean') bad('options.augment/train_restorer must be booleans');
  if (typeof s.customWeights !== 'boolean') bad('customWeights must be a boolean');
  const d = s.drawing;
  if (d === null) return;
  if (!d || typeof d !== 'object') bad('drawing must be null or an object');
  if (!(d.image instanceof Uint8Array) || d.image.length !== PIXELS) bad('drawing.image must be Uint8Array(784)');
  if (d.mask !== null && (!(d.mask instanceof Uint8Array) || d.mask.length !== PIXELS || d.mask.some((b) => b > 1))) bad('drawing.mask must be null or Uint8Array(784) of 0/1');
  if (!(d.restoreSeed === null || isU32(d.restoreSeed))) bad('drawing.restoreSeed must be null or a u32');
}

// ─── encode ───────────────────────────────────────────────────────────────────────────────────
/**
 * state: { weightsId: u16 (see weightsId()), gridSeed, gridLabel: null|0..9, options: {lr, batch_size, augment, train_restorer},
 *          customWeights: boolean,
 *          drawing: null | { image: Uint8Array(784), mask: Uint8Array(784) of 0/1 | null, restoreSeed: u32|null } }
 * Returns the fragment without '#'. Throws a TypeError on an invalid state (a bug, not user input).
 */
export async function encodeState(state) {
  checkState(state);
  const d = state.drawing;
  let flags = 0;
  if (state.gridLabel !== null) flags |= F.label;
  if (d) flags |= F.drawing;
  if (d?.mask) flags |= F.mask;
  if (d && d.restoreSeed !== null) flags |= F.restored;
  if (state.options.augment) flags |= F.augment;
  if (state.options.train_restorer) flags |= F.trainRestorer;
  if (state.customWeights) flags |= F.custom;
  const w = new Writer();
  w.u8(flags);
  w.u16(state.weightsId);
  w.u32(state.gridSeed);
  if (flags & F.label) w.u8(state.gridLabel);
  w.f64(state.options.lr);
  w.u16(state.options.batch_size);
  if (flags & F.restored) w.u32(d.restoreSeed);
  if (d) w.bytes(d.image);
  if (d?.mask) w.bytes(packBits(d.mask));
  const body = w.done();
  const payload = new Uint8Array(body.length + 4);
  payload.set(body);
  new DataView(payload.buffer).setUint32(body.length, crc32(body), true);
  return `v${VERSION}.${toBase64Url(await deflateRaw(payload))}`;
}

// ─── decode ───────────────────────────────────────────────────────────────────────────────────
const fail = (code, error) => ({ ok: false, code, error });

/**
 * fragment: location.hash (with or without '#'). Never throws, never returns partial state:
 * { ok: true, state } or { ok: false, code, error } where error is a sentence for the user.
 * codes: not-share, too-long, malformed, future-version, bad-version, damaged, too-large
 */
export async function decodeState(fragment) {
  try {
    return await decodeUnsafe(fragment);
  } catch {
    // Anything unexpected (e.g. an inflater error) means the same to the user.
    return fail('damaged', 'This share link is damaged or incomplete (was it cut off when it was copied?).');
  }
}

async function decodeUnsafe(fragment) {
  if (typeof fragment !== 'string') return fail('not-share', 'There is no share link here.');
  // The size limit comes before any other work on the text.
  if (fragment.length > MAX_FRAGMENT + 1) return fail('too-long', `This share link is too long to be a DigitGAN link (over ${MAX_FRAGMENT} characters).`);
  const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (!isShareFragment(text)) return fail('not-share', 'There is no share link here.');
  const m = /^v(\d{1,6})\.([A-Za-z0-9_-]*)$/.exec(text);
  if (!m) {
    const v = /^v(\d{1,6})(?:\.|$)/.exec(text);
    if (v && Number(v[1]) > VERSION) return futureVersion(Number(v[1]));
    return fail('malformed', 'This share link is damaged: it contains characters a DigitGAN link never has.');
  }
  const version = Number(m[1]);
  if (version > VERSION) return futureVersion(version);
  if (version !== VERSION) return fail('bad-version', `This share link has an unknown format version (v${version}).`);
  const packed = fromBase64Url(m[2]);
  if (!packed || packed.length < 2) return damaged();
  const payload = await inflateRaw(packed, MAX_PAYLOAD);
  if (payload === 'too-large') return fail('too-large', 'This share link unpacks to more data than a DigitGAN link can hold.');
  if (!payload) return damaged();
  return parseV1(payload);
}

const damaged = () => fail('damaged', 'This share link is damaged or incomplete (was it cut off when it was copied?).');
const futureVersion = (v) =>
  fail('future-version', `This share link was made by a newer version of DigitGAN (format v${v}; this page reads v${VERSION}). Reload the page, or ask for a new link.`);

function parseV1(p) {
  if (p.length < 4 + 1) return damaged();
  const body = p.subarray(0, p.length - 4);
  const crc = new DataView(p.buffer, p.byteOffset + p.length - 4, 4).getUint32(0, true);
  if (crc32(body) !== crc) return damaged();
  const r = new Reader(body);
  const flags = r.u8();
  if (flags & 128) return damaged();
  const has = (f) => (flags & f) !== 0;
  if ((has(F.mask) || has(F.restored)) && !has(F.drawing)) return damaged();
  const expect =
    1 + 2 + 4 + (has(F.label) ? 1 : 0) + 8 + 2 + (has(F.restored) ? 4 : 0) + (has(F.drawing) ? PIXELS : 0) + (has(F.mask) ? MASK_BYTES : 0);
  if (body.length !== expect) return damaged();
  const weightsId = r.u16();
  const gridSeed = r.u32();
  const gridLabel = has(F.label) ? r.u8() : null;
  const lr = r.f64();
  const batch_size = r.u16();
  if (gridLabel !== null && gridLabel > 9) return damaged();
  if (!(Number.isFinite(lr) && lr > 0 && lr <= 0.1) || batch_size < 1 || batch_size > 512) return damaged();
  const restoreSeed = has(F.restored) ? r.u32() : null;
  let drawing = null;
  if (has(F.drawing)) {
    const image = r.bytes(PIXELS);
    const mask = has(F.mask) ? unpackBits(r.bytes(MASK_BYTES)) : null;
    drawing = { image, mask, restoreSeed };
  }
  return {
    ok: true,
    version: VERSION,
    state: {
      weightsId,
      gridSeed,
      gridLabel,
      options: { lr, batch_size, augment: has(F.augment), train_restorer: has(F.trainRestorer) },
      customWeights: has(F.custom),
      drawing,
    },
  };
}

// ─── bytes ────────────────────────────────────────────────────────────────────────────────────
class Writer {
  constructor() {
    this.buf = new Uint8Array(1024);
    this.view = new DataView(this.buf.buffer);
    this.n = 0;
  }
  u8(v) { this.view.setUint8(this.n, v); this.n += 1; }
  u16(v) { this.view.setUint16(this.n, v, true); this.n += 2; }
  u32(v) { this.view.setUint32(this.n, v, true); this.n += 4; }
  f64(v) { this.view.setFloat64(this.n, v, true); this.n += 8; }
  bytes(b) { this.buf.set(b, this.n); this.n += b.length; }
  done() { return this.buf.slice(0, this.n); }
}
class Reader {
  constructor(buf) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.n = 0;
  }
  u8() { return this.view.getUint8(this.n++); }
  u16() { const v = this.view.getUint16(this.n, true); this.n += 2; return v; }
  u32() { const v = this.view.getUint32(this.n, true); this.n += 4; return v; }
  f64() { const v = this.view.getFloat64(this.n, true); this.n += 8; return v; }
  bytes(k) { const b = this.buf.slice(this.n, this.n + k); this.n += k; return b; }
}

function packBits(bits) {
  const out = new Uint8Array(MASK_BYTES);
  for (let i = 0; i < PIXELS; i++) if (bits[i]) out[i >> 3] |= 1 << (i & 7);
  return out;
}
function unpackBits(bytes) {
  const out = new Uint8Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) out[i] = (bytes[i >> 3] >> (i & 7)) & 1;
  return out;
}

/** The 16-bit fingerprint of a weights file that links carry (0 for a build without weights). */
export function weightsId(bytes) {
  return bytes && bytes.length ? crc32(bytes) & 0xffff : 0;
}


const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function toBase64Url(bytes) {
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + B64[v & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    s += B64[v >> 18] + B64[(v >> 12) & 63];
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    s += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63];
  }
  return s;
}

/** Strict: unpadded base64url only, and the unused low bits of the last character must be 0. */
export function fromBase64Url(text) {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (acc !== 0) return null; // leftover bits set: not what toBase64Url writes
  return out;
}

// ─── deflate-raw (CompressionStream: Chromium 103+, Firefox 113+, Safari 16.4+, Node 18+) ─────
async function deflateRaw(bytes) {
  const cs = new CompressionStream('deflate-raw');
  const out = readAll(cs.readable, Infinity);
  const writer = cs.writable.getWriter();
  await writer.write(bytes);
  await writer.close();
  const r = await out;
  return r;
}

/** Inflate with a hard output limit: null when the data is not valid deflate, 'too-large' past `limit`. */
async function inflateRaw(bytes, limit) {
  const ds = new DecompressionStream('deflate-raw');
  const out = readAll(ds.readable, limit);
  const writer = ds.writable.getWriter();
  // Errors surface on the readable side too; keep the writable side's promises from going unhandled.
  writer.write(bytes).catch(() => {});
  writer.close().catch(() => {});
  try {
    return await out;
  } catch (err) {
    return err && err.message === 'too-large' ? 'too-large' : null;
  }
}

async function readAll(readable, limit) {
  const reader = readable.getReader();
  const chunks = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > limit) {
      reader.cancel().catch(() => {});
      throw new Error('too-large');
    }
    chunks.push(value);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export { crc32 };
