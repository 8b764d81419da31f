// Security headers (spec: portal): a CSP that allows no inline script, HSTS only in production.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type RunningService, startPortal } from './support/stack.js';
import { refusingUrl } from './support/tcp-faults.js';

let development: RunningService;
let production: RunningService;

beforeAll(async () => {
  // Headers need no upstream: both point at a closed port.
  const down = await refusingUrl();
  development = await startPortal({ identityUrl: down, attendanceUrl: down });
  production = await startPortal({ identityUrl: down, attendanceUrl: down, env: { NODE_ENV: 'production' } });
});

afterAll(async () => {
  await Promise.all([development?.close(), production?.close()]);
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name as string, values]),
  );
}

describe('security headers', () => {
  it('serves the web UI with a CSP that allows scripts only from the portal itself (and WebAssembly for the QR decoder)', async () => {
    const answer = await call(development.url, 'GET', '/');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
    expect(answer.text).toContain('<div id="app">');
    // Only external module scripts: no inline script, no inline handlers.
    expect(answer.text).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
    expect(answer.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|\son\w+=/i);
    const csp = directives(String(answer.headers['content-security-policy']));
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(csp.get('script-src-attr')).toEqual(["'none'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(answer.headers['permissions-policy']).toBe('camera=(self), microphone=(), geolocation=(), payment=()');
  });

  it('sends API answers a CSP that forbids everything, nosniff and no-referrer (and not the page set)', async () => {
    const answer = await call(development.url, 'GET', '/api/auth/me');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ detail: 'Missing Authorization header' });
    const csp = directives(String(answer.headers['content-security-policy']));
    expect(Object.fromEntries(csp)).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    expect(answer.headers['cross-origin-opener-policy']).toBeUndefined();
  });

  it('sends pages frame denial and the rest of helmet’s set', async () => {
    const answer = await call(development.url, 'GET', '/');
    expect(answer.status).toBe(200);
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    expect(answer.headers['cross-origin-opener-policy']).toBe('same-origin');
  });

  it('sends no HSTS outside production, and HSTS for a year in production', async () => {
    const dev = await call(development.url, 'GET', '/health');
    expect(dev.status).toBe(200);
    expect(dev.headers['strict-transport-security']).toBeUndefined();
    const prod = await call(production.url, 'GET', '/health');
    expect(prod.status).toBe(200);
    expect(prod.body).toEqual({ status: 'ok', service: 'portal' });
    expect(prod.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const api = await call(production.url, 'GET', '/api/auth/me');
    expect(api.status).toBe(401);
    expect(api.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('serves the API documentation under /docs and /openapi.json with the /api routes', async () => {
    const docs = await call(development.url, 'GET', '/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger');
    const openapi = await call(development.url, 'GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    const paths = Object.keys((openapi.body as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/checkins',
        '/api/attendance/{event_id}',
        '/api/auth/login',
        '/api/events/{id}/tickets',
      ]),
    );
  });

  it('is not ready while its upstreams do not answer', async () => {
    const answer = await call(development.url, 'GET', '/ready');
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({
      detail: 'Service not ready',
      service: 'portal',
      checks: { identity: expect.any(String), attendance: expect.any(String) },
      revocations: { state: 'unavailable', age_seconds: null },
    });
    const { checks } = answer.body as { checks: Record<string, string> };
    expect(checks.identity).not.toBe('ok');
    expect(checks.attendance).not.toBe('ok');
  });
});
