// The self-signed certificate is generated once under DATA_DIR, reused on restart, and served over HTTPS.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { certificatePaths, loadTlsCredentials } from '../../src/tls/portal-certificate.js';
import { call, startPortal } from '../support/stack.js';
import { refusingUrl } from '../support/tcp-faults.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tixgo-tls-test-'));
  dirs.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('self-signed certificate', () => {
  it('is generated once into DATA_DIR/tls for localhost and 127.0.0.1, and reused on the next start', async () => {
    const dataDir = tempDir();
    const first = await loadTlsCredentials({ dataDir });
    expect(first.source).toBe('generated');
    const x509 = new X509Certificate(first.cert);
    expect(x509.subjectAltName).toContain('DNS:localhost');
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(Date.parse(x509.validTo)).toBeGreaterThan(Date.now() + 365 * 24 * 3600 * 1000);
    // The private key is readable by the service's user only.
    expect(statSync(certificatePaths(dataDir).key).mode & 0o077).toBe(0);

    const second = await loadTlsCredentials({ dataDir });
    expect(second.source).toBe('reused');
    expect(second.cert).toBe(first.cert);
    expect(second.key).toBe(first.key);
  });

  it('replaces a kept pair that is damaged instead of failing to start', async () => {
    const dataDir = tempDir();
    const first = await loadTlsCredentials({ dataDir });
    writeFileSync(certificatePaths(dataDir).cert, 'not a certificate');
    const again = await loadTlsCredentials({ dataDir });
    expect(again.source).toBe('generated');
    expect(again.cert).not.toBe(first.cert);
    expect(new X509Certificate(again.cert).checkPrivateKey(createPrivateKey(again.key))).toBe(true);
  });

  it('uses TLS_CERT_FILE and TLS_KEY_FILE when they are given', async () => {
    const source = await loadTlsCredentials({ dataDir: tempDir() });
    const dir = tempDir();
    const files = { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') };
    writeFileSync(files.certFile, source.cert);
    writeFileSync(files.keyFile, source.key);
    const given = await loadTlsCredentials({ dataDir: tempDir(), files });
    expect(given).toEqual({ cert: source.cert, key: source.key, source: 'files' });
  });

  it('serves the portal over HTTPS with that certificate (verified by a client that trusts only it)', async () => {
    const tls = await loadTlsCredentials({ dataDir: tempDir() });
    const down = await refusingUrl();
    const portal = await startPortal({ identityUrl: down, attendanceUrl: down, tls });
    const trusting = new Agent({ connect: { ca: tls.cert, servername: 'localhost' } });
    try {
      expect(portal.url.startsWith('https://')).toBe(true);
      const health = await call(portal.url, 'GET', '/health', { dispatcher: trusting });
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok', service: 'portal' });

      const strict = new Agent();
      await expect(call(portal.url, 'GET', '/health', { dispatcher: strict })).rejects.toThrow(/self[- ]signed/i);
      await strict.close();
    } finally {
      await trusting.close();
      await portal.close();
    }
  });
});
