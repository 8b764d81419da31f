// The gate phones' way to trust the portal: /ca.crt and the install page on the HTTPS port and on the plain-HTTP companion
// (which serves nothing else: the rest is a redirect to HTTPS), /api/phone-setup for the dashboard, and what a real certificate changes.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneTrustOf } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { buildCaCompanion } from '../../src/phone-setup/ca-companion.js';
import type { TlsCredentials } from '../../src/tls/portal-certificate.js';
import { type PortalNames, portalNames } from '../../src/tls/portal-names.js';
import {
  call,
  LOOPBACK_NAMES,
  localTlsCredentials,
  login,
  type RunningService,
  SECRET,
  startIdentity,
  startPortal,
} from '../support/stack.js';

/** A box on the Wi-Fi at 192.168.1.20, named stb, with a public name. */
const BOX_NAMES: PortalNames = portalNames({
  hostname: 'stb',
  interfaces: {
    wlan0: [
      { address: '192.168.1.20', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null },
      { address: 'fd12::20', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 0 },
    ],
  },
  publicHosts: ['gate.example.org'],
});

const dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-phone-setup-test-'));
let tls: TlsCredentials;
let identity: RunningService;
let portal: RunningService;
let realCertificate: RunningService;
let companion: FastifyInstance;
let companionUrl: string;
let trusting: Agent;

const portalEnv = { PORT: '18443', PORTAL_CA_HTTP_PORT: '18080', HOST: '0.0.0.0' };

beforeAll(async () => {
  tls = await localTlsCredentials(dataDir);
  identity = await startIdentity();
  const upstreams = { identityUrl: identity.url, attendanceUrl: 'http://127.0.0.1:9' };
  [portal, realCertificate] = await Promise.all([
    startPortal({ ...upstreams, tls, names: () => BOX_NAMES, env: portalEnv }),
    // TLS_CERT_FILE: a certificate without the portal's CA (here: the same pair, handed over as files would be).
    startPortal({ ...upstreams, tls: { key: tls.key, cert: tls.cert }, names: () => BOX_NAMES, env: portalEnv }),
  ]);
  const config = loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'test', ...portalEnv });
  companion = await buildCaCompanion({
    trust: phoneTrustOf(config, { tls, names: () => BOX_NAMES }),
    log: portal.app.log,
  });
  await companion.listen({ host: '127.0.0.1', port: 0 });
  companionUrl = `http://127.0.0.1:${(companion.server.address() as AddressInfo).port}`;
  trusting = new Agent({ connect: { ca: tls.ca } });
});

afterAll(async () => {
  await trusting?.close();
  await companion?.close();
  await Promise.all([portal?.close(), realCertificate?.close()]);
  await identity?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /ca.crt', () => {
  it.each([
    ['the HTTPS port', () => portal.url],
    ['the plain-HTTP companion', () => companionUrl],
  ])('answers the CA as PEM, with the type phones install and a download name, on %s', async (_where, url) => {
    const answer = await call(url(), 'GET', '/ca.crt', { dispatcher: trusting });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/x-x509-ca-cert');
    expect(answer.headers['content-disposition']).toBe('attachment; filename="tixgo-ca.crt"');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.text).toBe(tls.ca);
    expect(new X509Certificate(answer.text).ca).toBe(true);
  });

  it('is a 404 naming TLS_CERT_FILE when a real certificate is served', async () => {
    const answer = await call(realCertificate.url, 'GET', '/ca.crt', { dispatcher: trusting });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      detail:
        'This portal serves the certificate from TLS_CERT_FILE: there is no TixGo certificate authority to install',
    });
  });
});

describe('the install page', () => {
  const fingerprint = () => new X509Certificate(tls.ca as string).fingerprint256;

  it('says step by step, in Indonesian and English, how to install the CA on Android and iOS, with its SHA-256 fingerprint', async () => {
    const answer = await call(portal.url, 'GET', '/ca', { dispatcher: trusting });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.text).toContain(fingerprint());
    expect(fingerprint()).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    for (const words of [
      'Pasang sertifikat TixGo di ponsel gerbang',
      'Sertifikat CA',
      'Pengaturan Kepercayaan Sertifikat',
      'Install TixGo&#39;s certificate on a gate phone',
      'Encryption &amp; credentials',
      'Certificate Trust Settings',
      'full trust',
      'href="/ca.crt"',
    ]) {
      expect(answer.text).toContain(words);
    }
    // The portal, at the address the page was opened with.
    expect(answer.text).toContain(`href="https://127.0.0.1:${portal.port}/station"`);
  });

  it('runs no script and allows only its own style (by hash), also on the companion', async () => {
    for (const url of [portal.url, companionUrl]) {
      const answer = await call(url, 'GET', '/ca', { dispatcher: trusting });
      expect(answer.status).toBe(200);
      const csp = String(answer.headers['content-security-policy']);
      expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; /);
      expect(csp).not.toContain('script');
      expect(answer.text).not.toContain('<script');
      expect(answer.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('is also the companion\'s "/", and links to the HTTPS port at the host the phone used', async () => {
    for (const pathname of ['/', '/ca']) {
      const answer = await call(companionUrl, 'GET', pathname, { headers: { host: '192.168.1.20:18080' } });
      expect(answer.status).toBe(200);
      expect(answer.text).toContain(fingerprint());
      expect(answer.text).toContain('href="https://192.168.1.20:18443/station"');
    }
    // A Host that is no host name is not echoed: the page names a known address instead.
    const forged = await call(companionUrl, 'GET', '/ca', { headers: { host: '"><script>x</script>' } });
    expect(forged.status).toBe(200);
    expect(forged.text).not.toContain('<script>x');
    expect(forged.text).toContain('href="https://192.168.1.20:18443/station"');
  });

  it('says that nothing needs installing when a real certificate is served', async () => {
    const answer = await call(realCertificate.url, 'GET', '/ca', { dispatcher: trusting });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('tidak ada yang perlu dipasang');
    expect(answer.text).toContain('nothing needs installing');
    expect(answer.text).not.toContain('href="/ca.crt"');
  });
});

describe('the plain-HTTP companion', () => {
  it('sends everything else to the same path over HTTPS, at the host the phone used', async () => {
    for (const [method, pathname] of [
      ['GET', '/station'],
      ['GET', '/api/overview?x=1'],
      ['GET', '/health'],
      ['GET', '/metrics'],
      ['POST', '/api/auth/login'],
    ] as const) {
      const answer = await call(companionUrl, method, pathname, { headers: { host: 'stb.local:18080' } });
      expect(answer.status, pathname).toBe(302);
      expect(answer.headers.location, pathname).toBe(`https://stb.local:18443${pathname}`);
    }
  });

  it('answers the API nothing itself: a login sent to it never reaches identity', async () => {
    const answer = await call(companionUrl, 'POST', '/api/auth/login', {
      json: { username: 'admin1', password: 'secret' },
    });
    expect(answer.status).toBe(302);
    expect(answer.text).toBe('');
    expect(answer.cookies).toEqual([]);
  });
});

describe('GET /api/phone-setup', () => {
  it("gives an admin the CA's name and fingerprint and the install page at every reachable address, the companion's first", async () => {
    const admin = await login(identity.url, 'admin1');
    const answer = await call(portal.url, 'GET', '/api/phone-setup', { token: admin, dispatcher: trusting });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      certificate: 'own-ca',
      ca_name: expect.stringMatching(/^TixGo CA localhost \d{4}-\d{2}-\d{2}$/),
      ca_fingerprint_sha256: new X509Certificate(tls.ca as string).fingerprint256,
      install_urls: [
        'http://192.168.1.20:18080/ca',
        'http://stb:18080/ca',
        'http://stb.local:18080/ca',
        'http://gate.example.org:18080/ca',
        'http://[fd12::20]:18080/ca',
      ],
      portal_urls: [
        'https://192.168.1.20:18443',
        'https://stb:18443',
        'https://stb.local:18443',
        'https://gate.example.org:18443',
        'https://[fd12::20]:18443',
      ],
      reachable_from_network: true,
    });
  });

  it('says "files" and gives no fingerprint when a real certificate is served', async () => {
    const admin = await login(identity.url, 'admin1');
    const answer = await call(realCertificate.url, 'GET', '/api/phone-setup', { token: admin, dispatcher: trusting });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ certificate: 'files', ca_name: null, ca_fingerprint_sha256: null });
  });

  it('is for admins only', async () => {
    const committee = await login(identity.url, 'panitia1');
    const refused = await call(portal.url, 'GET', '/api/phone-setup', { token: committee, dispatcher: trusting });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ detail: 'Admin only' });
    const anonymous = await call(portal.url, 'GET', '/api/phone-setup', { dispatcher: trusting });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ detail: 'Missing Authorization header' });
  });

  it('says when the portal listens on loopback only, so no phone can reach it', async () => {
    const local = await startPortal({
      identityUrl: identity.url,
      attendanceUrl: 'http://127.0.0.1:9',
      tls,
      names: () => LOOPBACK_NAMES,
    });
    try {
      const admin = await login(identity.url, 'admin1');
      const answer = await call(local.url, 'GET', '/api/phone-setup', { token: admin, dispatcher: trusting });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ install_urls: [], portal_urls: [], reachable_from_network: false });
    } finally {
      await local.close();
    }
  });
});
