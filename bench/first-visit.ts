// A first visit to the web UI: the bytes on the wire for index.html and every file the service worker
// pre-downloads for offline use (the whole app, the camera's QR decoder included), as a browser asks for
// them (Accept-Encoding: gzip, deflate, br), and what the same files weigh uncompressed.
// Run: pnpm bench first-visit   (builds first; the portal is started in this process on an ephemeral port)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { buildApp } from '../services/portal/src/app.js';
import { loadConfig } from '../services/portal/src/config.js';
import { BENCH_SECRET } from './lib/services.js';

const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  JWT_SECRET: BENCH_SECRET,
  DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tixgo-first-visit-')),
  // No upstream is asked: only the UI's files are served.
  IDENTITY_BASE_URL: 'http://127.0.0.1:9',
  ATTENDANCE_BASE_URL: 'http://127.0.0.1:9',
});
const app = await buildApp(config);
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
const base = `http://127.0.0.1:${port}`;
const dispatcher = new Agent();

/** The body's bytes as they came over the connection (undici's request() does not decode them). */
async function wireBytes(url: string, encoding: string): Promise<{ bytes: number; encoding: string }> {
  const answer = await request(`${base}${url}`, { headers: { 'accept-encoding': encoding }, dispatcher });
  const bytes = (await answer.body.arrayBuffer()).byteLength;
  if (answer.statusCode !== 200) throw new Error(`${url}: ${answer.statusCode}`);
  return { bytes, encoding: String(answer.headers['content-encoding'] ?? 'identity') };
}

const worker = await (await request(`${base}/sw.js`, { dispatcher })).body.text();
const urls = ['/', '/sw.js', ...[...worker.matchAll(/url:"([^"]+)"/g)].map((match) => `/${match[1]}`)];
let plain = 0;
let wire = 0;
const rows: string[] = [];
for (const url of urls) {
  const raw = await wireBytes(url, 'identity');
  const sent = await wireBytes(url, 'gzip, deflate, br');
  plain += raw.bytes;
  wire += sent.bytes;
  if (raw.bytes > 20_000)
    rows.push(
      `  ${url.padEnd(48)} ${String(raw.bytes).padStart(9)} -> ${String(sent.bytes).padStart(9)} (${sent.encoding})`,
    );
}
console.log(`files: ${urls.length} (index.html, the service worker and its precache list)`);
console.log(rows.join('\n'));
console.log(`first visit: ${(plain / 1024).toFixed(1)} KiB uncompressed, ${(wire / 1024).toFixed(1)} KiB on the wire`);
await app.close();
await dispatcher.close();
