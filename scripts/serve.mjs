#!/usr/bin/env node
// Tiny static server for the built site (dist/), no dependencies.
// Serves dist/ under both / and /digitgan/ (to prove the build works under a sub-path).
// /digitgan-badmime/ serves the same files but .wasm as application/octet-stream, to check
// that wasm-bindgen's loader falls back from instantiateStreaming to instantiate.
//   node scripts/serve.mjs [--port N] [--host H] [--dir dist]     (PORT env also works; 0 = any free port)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)), arg('dir', 'dist'));
const port = Number(arg('port', process.env.PORT ?? 8080));
const host = arg('host', '127.0.0.1');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
  '.gz': 'application/gzip',
  '.dgw': 'application/octet-stream',
};
const PREFIXES = ['/digitgan-badmime/', '/digitgan/', '/'];

const server = http.createServer((req, res) => {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    res.writeHead(400).end('bad request');
    return;
  }
  if (pathname === '/digitgan' || pathname === '/digitgan-badmime') {
    res.writeHead(301, { Location: `${pathname}/` }).end();
    return;
  }
  const prefix = PREFIXES.find((p) => pathname.startsWith(p));
  let rel = pathname.slice(prefix.length);
  if (rel === '' || rel.endsWith('/')) rel += 'index.html';
  const file = path.join(root, rel);
  if (!file.startsWith(root + path.sep)) {
    res.writeHead(403).end('forbidden');
    return;
  }
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    const ext = path.extname(file).toLowerCase();
    let type = MIME[ext] ?? 'application/octet-stream';
    if (prefix === '/digitgan-badmime/' && ext === '.wasm') type = 'application/octet-stream';
    const hashed = /\.[0-9a-f]{8,}\./.test(path.basename(file));
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': st.size,
      'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
});

server.listen(port, host, () => {
  const { port: actual } = server.address();
  console.log(`DigitGAN: http://${host}:${actual}/digitgan/`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
