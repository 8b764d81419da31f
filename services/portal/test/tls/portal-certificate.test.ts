// The portal's own CA: made once under DATA_DIR and reused; the server certificate it issues chains to it, covers every name
// and address, is re-issued when they change and renewed before it expires (a moved clock); TLS_CERT_FILE replaces all of it.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:tls';
import { Agent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVER_VALIDITY_DAYS } from '../../src/tls/certificate-authority.js';
import {
  CertificateKeeper,
  certificatePaths,
  loadTlsCredentials,
  RENEW_BEFORE_MS,
  readTlsFile,
  type TlsCredentials,
} from '../../src/tls/portal-certificate.js';
import { type PortalNames, portalNames } from '../../src/tls/portal-names.js';
import { call, LOOPBACK_NAMES, startPortal } from '../support/stack.js';
import { refusingUrl } from '../support/tcp-faults.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tixgo-tls-test-'));
  dirs.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const iface = (address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null }) as NetworkInterfaceInfo;

/** A gate box on the event Wi-Fi: its loopback, a LAN address (IPv4 and IPv6), a link-local one, and PUBLIC_HOSTS. */
const BOX_INTERFACES = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  wlan0: [iface('192.168.1.20', 'IPv4'), iface('fd12:3456::20', 'IPv6'), iface('fe80::1c2b:3aff:fe4d:5e6f', 'IPv6')],
};
const boxNames = (publicHosts: string[] = ['gate.example.org', '203.0.113.7']) =>
  portalNames({ hostname: 'stb', interfaces: BOX_INTERFACES, publicHosts });

const load = (dataDir: string, names: PortalNames, now: Date, files?: { certFile: string; keyFile: string }) =>
  loadTlsCredentials({ dataDir, names, now, hostname: 'stb', files });

function chainsTo(credentials: TlsCredentials, ca: string): boolean {
  const cert = new X509Certificate(credentials.cert);
  const root = new X509Certificate(ca);
  return cert.checkIssued(root) && cert.verify(root.publicKey);
}

describe('the names a certificate must cover', () => {
  it('are loopback, the host name and its .local form, every LAN address but link-local ones, and PUBLIC_HOSTS', () => {
    expect(boxNames()).toEqual({
      dns: ['localhost', 'stb', 'stb.local', 'gate.example.org'],
      ips: ['127.0.0.1', '::1', '192.168.1.20', 'fd12:3456::20', '203.0.113.7'],
    });
  });

  it('skip a host name that is no DNS name, and take a dotted one as it is', () => {
    expect(portalNames({ hostname: 'My Box_1', interfaces: {}, publicHosts: [] }).dns).toEqual(['localhost']);
    expect(portalNames({ hostname: 'Gate.Example.Org', interfaces: {}, publicHosts: [] }).dns).toEqual([
      'localhost',
      'gate.example.org',
    ]);
  });
});

describe("the portal's own certificate authority", () => {
  it('is made once into DATA_DIR/tls (its key readable by the service only) and reused on the next start', async () => {
    const dataDir = tempDir();
    const now = new Date();
    const first = await load(dataDir, boxNames(), now);
    expect(first.source).toBe('issued');
    const paths = certificatePaths(dataDir);
    expect(first.ca).toBe(readFileSync(paths.caCert, 'utf8'));
    expect(statSync(paths.caKey).mode & 0o077).toBe(0);
    expect(statSync(paths.key).mode & 0o077).toBe(0);
    const root = new X509Certificate(first.ca as string);
    expect(root.ca).toBe(true);
    expect(root.subject).toContain('CN=TixGo CA stb');
    expect(Date.parse(root.validTo)).toBeGreaterThan(now.getTime() + 9 * 365 * DAY_MS);

    const second = await load(dataDir, boxNames(), new Date(now.getTime() + 60_000));
    expect(second).toEqual({ ...first, source: 'reused' });
  });

  it('issues a server certificate that chains to it, for every name and address, never a link-local one', async () => {
    const credentials = await load(tempDir(), boxNames(), new Date());
    expect(chainsTo(credentials, credentials.ca as string)).toBe(true);
    const cert = new X509Certificate(credentials.cert);
    expect(cert.ca).toBe(false);
    for (const name of ['localhost', 'stb', 'stb.local', 'gate.example.org']) {
      expect(cert.checkHost(name, { subject: 'never' }), name).toBe(name);
    }
    for (const ip of ['127.0.0.1', '::1', '192.168.1.20', 'fd12:3456::20', '203.0.113.7']) {
      expect(cert.checkIP(ip), ip).toBe(ip);
    }
    expect(cert.checkIP('fe80::1c2b:3aff:fe4d:5e6f')).toBeUndefined();
    expect(cert.checkHost('other.example.org', { subject: 'never' })).toBeUndefined();
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('re-issues the server certificate from the same CA when the names change, e.g. a new Wi-Fi address', async () => {
    const dataDir = tempDir();
    const now = new Date();
    const first = await load(dataDir, boxNames(), now);
    const moved = portalNames({
      hostname: 'stb',
      interfaces: { wlan0: [iface('10.0.5.9', 'IPv4')] },
      publicHosts: ['gate.example.org'],
    });
    const second = await load(dataDir, moved, now);
    expect(second.source).toBe('issued');
    expect(second.ca).toBe(first.ca);
    expect(second.cert).not.toBe(first.cert);
    expect(new X509Certificate(second.cert).checkIP('10.0.5.9')).toBe('10.0.5.9');
    expect(chainsTo(second, first.ca as string)).toBe(true);
  });

  it('renews the server certificate once it is within 30 days of its end, keeping the CA', async () => {
    const dataDir = tempDir();
    const start = new Date();
    const first = await load(dataDir, boxNames(), start);
    const end = Date.parse(new X509Certificate(first.cert).validTo);
    // A day before the renewal window: the same certificate.
    const early = await load(dataDir, boxNames(), new Date(end - RENEW_BEFORE_MS - DAY_MS));
    expect(early.source).toBe('reused');
    expect(early.cert).toBe(first.cert);
    // Inside the window: a new one, valid for its full term from the moved clock, from the same CA.
    const inside = new Date(end - RENEW_BEFORE_MS + DAY_MS);
    const renewed = await load(dataDir, boxNames(), inside);
    expect(renewed.source).toBe('issued');
    expect(renewed.ca).toBe(first.ca);
    expect(chainsTo(renewed, first.ca as string)).toBe(true);
    expect(Date.parse(new X509Certificate(renewed.cert).validTo)).toBeGreaterThan(
      inside.getTime() + (SERVER_VALIDITY_DAYS - 1) * DAY_MS,
    );
  });

  it('replaces a damaged kept certificate instead of failing to start', async () => {
    const dataDir = tempDir();
    const first = await load(dataDir, boxNames(), new Date());
    writeFileSync(certificatePaths(dataDir).cert, 'not a certificate');
    const again = await load(dataDir, boxNames(), new Date());
    expect(again.source).toBe('issued');
    expect(chainsTo(again, first.ca as string)).toBe(true);
  });

  it('replaces a kept certificate its CA did not issue (the self-signed one of an earlier version)', async () => {
    const other = await load(tempDir(), boxNames(), new Date());
    const dataDir = tempDir();
    const first = await load(dataDir, boxNames(), new Date());
    writeFileSync(certificatePaths(dataDir).cert, other.cert);
    writeFileSync(certificatePaths(dataDir).key, other.key);
    const again = await load(dataDir, boxNames(), new Date());
    expect(again.source).toBe('issued');
    expect(again.ca).toBe(first.ca);
    expect(chainsTo(again, first.ca as string)).toBe(true);
  });

  it('gives way to TLS_CERT_FILE and TLS_KEY_FILE: those are served, and no CA is made', async () => {
    const source = await load(tempDir(), boxNames(), new Date());
    const dir = tempDir();
    const files = { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') };
    writeFileSync(files.certFile, source.cert);
    writeFileSync(files.keyFile, source.key);
    const dataDir = tempDir();
    const given = await load(dataDir, boxNames(), new Date(), files);
    expect(given).toEqual({ cert: source.cert, key: source.key, ca: undefined, source: 'files' });
    expect(existsSync(certificatePaths(dataDir).caCert)).toBe(false);
  });
});

describe('a running portal', () => {
  /** The serial number of the certificate a new TLS connection to `port` is given. */
  function servedSerial(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().serialNumber);
        socket.end();
      });
      socket.on('error', reject);
    });
  }

  it('is verified by a client that trusts only its CA, by name and by address, and refused by one that does not', async () => {
    const tls = await load(tempDir(), LOOPBACK_NAMES, new Date());
    const down = await refusingUrl();
    const portal = await startPortal({ identityUrl: down, attendanceUrl: down, tls });
    const byAddress = new Agent({ connect: { ca: tls.ca } });
    const byName = new Agent({ connect: { ca: tls.ca, servername: 'localhost' } });
    const strict = new Agent();
    try {
      for (const dispatcher of [byAddress, byName]) {
        const health = await call(portal.url, 'GET', '/health', { dispatcher });
        expect(health.status).toBe(200);
        expect(health.body).toEqual({ status: 'ok', service: 'portal' });
      }
      await expect(call(portal.url, 'GET', '/health', { dispatcher: strict })).rejects.toThrow(/certificate/i);
    } finally {
      await Promise.all([byAddress.close(), byName.close(), strict.close()]);
      await portal.close();
    }
  });

  it('takes a renewed certificate into use while it runs: new connections get it, from the same CA', async () => {
    const dataDir = tempDir();
    let now = new Date();
    let names = LOOPBACK_NAMES;
    const tls = await load(dataDir, names, now);
    const down = await refusingUrl();
    const portal = await startPortal({ identityUrl: down, attendanceUrl: down, tls });
    const logged: string[] = [];
    const keeper = new CertificateKeeper({
      dataDir,
      hostname: 'stb',
      names: () => names,
      now: () => now,
      apply: (fresh) =>
        (portal.app.server as unknown as HttpsServer).setSecureContext({ key: fresh.key, cert: fresh.cert }),
      log: { info: (_obj, msg) => logged.push(`info: ${msg}`), error: (_obj, msg) => logged.push(`error: ${msg}`) },
    });
    try {
      const firstSerial = await servedSerial(portal.port);
      expect(await keeper.check()).toBe(false);
      expect(await servedSerial(portal.port)).toBe(firstSerial);

      // The clock moves into the renewal window.
      now = new Date(Date.parse(new X509Certificate(tls.cert).validTo) - RENEW_BEFORE_MS + DAY_MS);
      expect(await keeper.check()).toBe(true);
      const renewedSerial = await servedSerial(portal.port);
      expect(renewedSerial).not.toBe(firstSerial);
      expect(renewedSerial).toBe(new X509Certificate(readFileSync(certificatePaths(dataDir).cert)).serialNumber);
      // (Valid from the moved clock on: a client on the real clock would call it "not yet valid".)
      const renewed = { cert: readFileSync(certificatePaths(dataDir).cert, 'utf8') } as TlsCredentials;
      expect(chainsTo(renewed, tls.ca as string)).toBe(true);

      // The box joins another network: the new address is in the next certificate.
      names = portalNames({ hostname: 'stb', interfaces: { wlan0: [iface('10.0.5.9', 'IPv4')] }, publicHosts: [] });
      expect(await keeper.check()).toBe(true);
      expect(new X509Certificate(readFileSync(certificatePaths(dataDir).cert)).checkIP('10.0.5.9')).toBe('10.0.5.9');
      expect(logged).toEqual(['info: TLS certificate renewed', 'info: TLS certificate renewed']);
    } finally {
      await portal.close();
    }
  });
});

describe('TLS_CERT_FILE/TLS_KEY_FILE that cannot be read', () => {
  it("names certbot's dangling live/ link and what to mount, or the missing file", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tixgo-tls-files-'));
    dirs.push(dir);
    // certbot's live/<name>/fullchain.pem points into ../../archive, absent when live/<name> is mounted alone.
    symlinkSync('../../archive/box/fullchain1.pem', path.join(dir, 'fullchain.pem'));
    writeFileSync(path.join(dir, 'privkey.pem'), 'key');
    const dangling = loadTlsCredentials({
      dataDir: dir,
      hostname: 'box',
      names: LOOPBACK_NAMES,
      now: new Date(),
      files: { certFile: path.join(dir, 'fullchain.pem'), keyFile: path.join(dir, 'privkey.pem') },
    });
    await expect(dangling).rejects.toThrow(
      `TLS_CERT_FILE=${path.join(dir, 'fullchain.pem')} is a symbolic link to ../../archive/box/fullchain1.pem, which does not exist here`,
    );
    await expect(dangling).rejects.toThrow('mount the whole letsencrypt folder');
    expect(() => readTlsFile('TLS_KEY_FILE', path.join(dir, 'nothing.pem'))).toThrow(
      `TLS_KEY_FILE=${path.join(dir, 'nothing.pem')} does not exist`,
    );
  });
});
