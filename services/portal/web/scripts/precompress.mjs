// After `vite build`: writes a .br and a .gz beside every text file and the QR decoder's .wasm in dist/,
// which the portal serves as they are (@fastify/static's preCompressed) to a browser that accepts them.
//
// Done once at build time at the highest levels (brotli 11, gzip 9), where compressing on every request
// would cost the portal's CPU at the gate. Node's own zlib does the compressing; this file only walks
// the build (a Vite compression plugin would miss the service worker, which vite-plugin-pwa writes
// after the bundle).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|wasm|webmanifest|json|txt)$/;
/** Smaller files gain little and cost a second request path: sent as they are. */
const MIN_BYTES = 1024;

function* filesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else if (COMPRESSIBLE.test(entry.name)) yield full;
  }
}

let before = 0;
let afterBrotli = 0;
let afterGzip = 0;
for (const file of filesUnder(dist)) {
  const size = statSync(file).size;
  if (size < MIN_BYTES) continue;
  const data = readFileSync(file);
  const brotli = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: size,
      [constants.BROTLI_PARAM_MODE]: file.endsWith('.wasm')
        ? constants.BROTLI_MODE_GENERIC
        : constants.BROTLI_MODE_TEXT,
    },
  });
  const gzip = gzipSync(data, { level: 9 });
  before += size;
  // Only where it saves something: otherwise the file itself is the smallest answer.
  if (brotli.length < size) writeFileSync(`${file}.br`, brotli);
  if (gzip.length < size) writeFileSync(`${file}.gz`, gzip);
  afterBrotli += Math.min(size, brotli.length);
  afterGzip += Math.min(size, gzip.length);
}
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(`precompressed ${kib(before)}: brotli ${kib(afterBrotli)}, gzip ${kib(afterGzip)}`);
