// The web UI's files from the portal: hashed assets cached for a year, index.html never, every page path of the app, JSON 404 elsewhere.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UI_PATHS } from '../../src/routes/web-ui.js';
import { call, type RunningService, startPortal } from '../support/stack.js';
import { refusingUrl } from '../support/tcp-faults.js';

let portal: RunningService;
let unbuilt: RunningService;

beforeAll(async () => {
  const down = await refusingUrl();
  portal = await startPortal({ identityUrl: down, attendanceUrl: down });
  unbuilt = await startPortal({
    identityUrl: down,
    attendanceUrl: down,
    webRoot: mkdtempSync(path.join(tmpdir(), 'tixgo-no-ui-')),
  });
});

afterAll(async () => {
  await Promise.all([portal?.close(), unbuilt?.close()]);
});

describe('the web UI', () => {
  it('serves index.html for every page path of the app, never cached', async () => {
    for (const route of UI_PATHS) {
      const url = route.replace(':id', 'some-event').replace('*', 'some-event/tickets');
      const answer = await call(portal.url, 'GET', url);
      expect(answer.status, url).toBe(200);
      expect(answer.headers['cache-control'], url).toBe('no-cache');
      expect(answer.text, url).toContain('<div id="app">');
    }
  });

  it('serves the hashed script of index.html with a year-long immutable cache', async () => {
    const index = await call(portal.url, 'GET', '/');
    const script = /src="(\/assets\/index-[\w-]+\.js)"/.exec(index.text)?.[1] as string;
    expect(script).toBeDefined();
    const answer = await call(portal.url, 'GET', script);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/javascript/);
    expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('serves the QR decoder’s WebAssembly as application/wasm from the portal itself', async () => {
    const index = await call(portal.url, 'GET', '/');
    expect(index.status).toBe(200);
    const { readdirSync } = await import('node:fs');
    const { WEB_DIST_DIR } = await import('../../src/routes/web-ui.js');
    const wasm = readdirSync(path.join(WEB_DIST_DIR, 'assets')).find((name) => name.endsWith('.wasm'));
    expect(wasm).toBeDefined();
    const answer = await call(portal.url, 'GET', `/assets/${wasm}`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/wasm');
  });

  it('keeps the JSON 404 for paths that are neither a page nor a file, and for every API path (compat)', async () => {
    const browser = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    for (const url of ['/no-such-page', '/assets/no-such-file.js', '/assets/../package.json']) {
      const answer = await call(portal.url, 'GET', url);
      expect(answer.status, url).toBe(404);
      expect(answer.body, url).toEqual({ detail: 'Not Found' });
    }
    // Under /api (and the service's own paths) a browser gets the API's answer too.
    for (const url of ['/api', '/api/no-such', '/api/events/x/no-such', '/docs/no-such', '/assets/no-such.js']) {
      const answer = await call(portal.url, 'GET', url, { headers: browser });
      expect(answer.status, url).toBe(404);
      expect(answer.body, url).toEqual({ detail: 'Not Found' });
    }
    // Another method on an unknown path stays a 404 (not a 405: no page route answers it).
    const post = await call(portal.url, 'POST', '/no-such-page', { headers: browser, json: {} });
    expect(post.status).toBe(404);
    expect(post.body).toEqual({ detail: 'Not Found' });
  });

  it('answers a browser asking for an unknown page with the UI (its not-found page), status 404', async () => {
    const browser = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    for (const url of ['/no-such-page', '/events', '/admin/nothing/here/x']) {
      const answer = await call(portal.url, 'GET', url, { headers: browser });
      expect(answer.status, url).toBe(404);
      expect(answer.headers['content-type'], url).toMatch(/^text\/html/);
      expect(answer.headers['cache-control'], url).toBe('no-cache');
      expect(answer.text, url).toContain('<div id="app">');
    }
    // Names people type are pages of the app (which sends them on).
    for (const url of ['/login', '/admin']) {
      const answer = await call(portal.url, 'GET', url, { headers: browser });
      expect(answer.status, url).toBe(200);
      expect(answer.text, url).toContain('<div id="app">');
    }
    const icon = await call(portal.url, 'GET', '/favicon.ico', { headers: { accept: 'image/*' } });
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('sends the precompressed build: brotli or gzip as the browser accepts, the file itself otherwise', async () => {
    const index = await call(portal.url, 'GET', '/');
    const script = /src="(\/assets\/index-[\w-]+\.js)"/.exec(index.text)?.[1] as string;
    const plain = await request(`${portal.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    const plainBytes = Buffer.from(await plain.body.arrayBuffer());
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    for (const [accepted, encoding, decode] of [
      ['gzip, deflate, br', 'br', brotliDecompressSync],
      ['gzip', 'gzip', gunzipSync],
    ] as const) {
      const answer = await request(`${portal.url}${script}`, { headers: { 'accept-encoding': accepted } });
      const sent = Buffer.from(await answer.body.arrayBuffer());
      expect(answer.statusCode, accepted).toBe(200);
      expect(answer.headers['content-encoding'], accepted).toBe(encoding);
      expect(answer.headers['content-type'], accepted).toMatch(/javascript/);
      expect(answer.headers['cache-control'], accepted).toBe('public, max-age=31536000, immutable');
      expect(sent.length, accepted).toBeLessThan(plainBytes.length / 2);
      expect(decode(sent).equals(plainBytes), accepted).toBe(true);
    }
    // The service worker (served like index.html, never cached) and the QR decoder too.
    const worker = await request(`${portal.url}/sw.js`, { headers: { 'accept-encoding': 'br' } });
    await worker.body.arrayBuffer();
    expect(worker.headers['content-encoding']).toBe('br');
    expect(worker.headers['content-type']).toMatch(/javascript/);
    expect(worker.headers['cache-control']).toBe('no-cache');
    const { readdirSync } = await import('node:fs');
    const { WEB_DIST_DIR } = await import('../../src/routes/web-ui.js');
    const wasm = readdirSync(path.join(WEB_DIST_DIR, 'assets')).find((name) => name.endsWith('.wasm'));
    const decoder = await request(`${portal.url}/assets/${wasm}`, { headers: { 'accept-encoding': 'br' } });
    await decoder.body.arrayBuffer();
    expect(decoder.headers['content-encoding']).toBe('br');
    expect(decoder.headers['content-type']).toBe('application/wasm');
  });

  it('serves the icon at the top of the build, revalidated on every use', async () => {
    const answer = await call(portal.url, 'GET', '/favicon.svg');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(answer.headers['cache-control']).toBe('no-cache');
  });

  it('serves every file the service worker precaches (a missing one would fail its install)', async () => {
    const { readFileSync } = await import('node:fs');
    const { WEB_DIST_DIR } = await import('../../src/routes/web-ui.js');
    const worker = readFileSync(path.join(WEB_DIST_DIR, 'sw.js'), 'utf8');
    const urls = [...worker.matchAll(/url:"([^"]+)"/g)].map((match) => match[1] as string);
    expect(urls).toEqual(expect.arrayContaining(['index.html', 'manifest.webmanifest']));
    for (const url of new Set(urls)) {
      const answer = await call(portal.url, 'GET', `/${url}`);
      expect(answer.status, url).toBe(200);
    }
    const sw = await call(portal.url, 'GET', '/sw.js');
    expect(sw.headers['cache-control']).toBe('no-cache');
    expect(sw.headers['content-type']).toMatch(/javascript/);
  });

  it('says how to build the UI when it has not been built', async () => {
    const answer = await call(unbuilt.url, 'GET', '/dashboard');
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('pnpm build');
    expect(answer.text).not.toMatch(/<script/i);
  });
});
