// The portal's own small certificate authority: a root a gate phone installs once, and the server certificates it signs.
// X.509 is made by @peculiar/x509 (on Node's WebCrypto), never by hand.
import { webcrypto } from 'node:crypto';
import type { PortalNames } from './portal-names.js';

/** A certificate and its private key, both PEM (the key PKCS#8). */
export interface CertificatePair {
  cert: string;
  key: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Phones' clocks are often off by hours: a certificate is valid from a day before it was made. */
const BACKDATE_MS = DAY_MS;
/** The root a phone keeps: long enough for years of events, so phones install it once. */
export const CA_VALIDITY_DAYS = 3650;
/**
 * The server certificate: at most 398 days, what Apple and the CA/Browser Forum allow for public
 * certificates (iOS takes up to 825 for an installed root, but shorter costs nothing: the portal
 * renews it by itself and phones trust the root, not this certificate).
 */
export const SERVER_VALIDITY_DAYS = 397;

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/**
 * Loaded only when a certificate is made: its ASN.1 libraries add ~18 MB to the process, and a
 * restart that reuses the kept files needs none of it.
 */
async function x509Library() {
  const x509 = await import('@peculiar/x509');
  // Node's WebCrypto; its type differs from the DOM's Crypto in name only.
  x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);
  return x509;
}

type Key = webcrypto.CryptoKey;
type KeyPair = webcrypto.CryptoKeyPair;

async function exportKey(key: Key): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function importSigningKey(pem: string): Promise<Key> {
  const base64 = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  return webcrypto.subtle.importKey('pkcs8', Buffer.from(base64, 'base64'), EC_KEY, false, ['sign']);
}

function randomSerial(): string {
  // Positive (top bit clear) and 16 bytes, as the CA/Browser Forum asks of serials.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** A name that tells this box's root from another's on a phone's list: the host and the day it was made. */
function caName(hostname: string, now: Date): string {
  const host = hostname.replace(/[^A-Za-z0-9.-]/g, '').slice(0, 40) || 'portal';
  return `CN=TixGo CA ${host} ${now.toISOString().slice(0, 10)}, O=TixGo`;
}

/** A new root: may sign server certificates only (path length 0), valid for CA_VALIDITY_DAYS. */
export async function createCertificateAuthority(options: { now: Date; hostname: string }): Promise<CertificatePair> {
  const x509 = await x509Library();
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as KeyPair;
  const notBefore = new Date(options.now.getTime() - BACKDATE_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: caName(options.hostname, options.now),
    notBefore,
    notAfter: new Date(options.now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

/** A server certificate for `names`, signed by `ca`, valid for SERVER_VALIDITY_DAYS from `now`. */
export async function issueServerCertificate(
  ca: CertificatePair,
  names: PortalNames,
  now: Date,
): Promise<CertificatePair> {
  const x509 = await x509Library();
  const caCert = new x509.X509Certificate(ca.cert);
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as KeyPair;
  const commonName = (names.dns.find((name) => name !== 'localhost') ?? names.dns[0] ?? 'localhost').replace(
    /[,+="\\<>;]/g,
    '',
  );
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${commonName}, O=TixGo`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + SERVER_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: await importSigningKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      // Browsers match only these (never the common name).
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}
