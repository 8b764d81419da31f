// The portal's TLS key and certificate: from TLS_CERT_FILE/TLS_KEY_FILE, else self-signed, generated once into DATA_DIR.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TlsCredentials {
  key: string;
  cert: string;
  /** Where they came from, for the start-up log. */
  source: 'files' | 'generated' | 'reused';
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Renew a kept certificate this long before it expires, so a restart never serves an expired one. */
const RENEW_BEFORE_MS = 30 * DAY_MS;
const VALIDITY_DAYS = 825;

export function certificatePaths(dataDir: string): { cert: string; key: string } {
  const dir = path.resolve(dataDir, 'tls');
  return { cert: path.join(dir, 'portal-cert.pem'), key: path.join(dir, 'portal-key.pem') };
}

/** A kept pair is reused only when it parses, belongs together and is not about to expire. */
function isUsable(cert: string, key: string): boolean {
  try {
    const x509 = new X509Certificate(cert);
    return x509.checkPrivateKey(createPrivateKey(key)) && Date.parse(x509.validTo) - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

async function generateSelfSigned(): Promise<{ key: string; cert: string }> {
  // Loaded only when a certificate is made: its X.509 libraries add ~18 MB to the process, and a
  // restart that reuses the kept pair needs none of it.
  const { generate } = await import('selfsigned');
  const notBeforeDate = new Date(Date.now() - DAY_MS);
  const notAfterDate = new Date(notBeforeDate.getTime() + VALIDITY_DAYS * DAY_MS);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** Reads the configured files, else reuses or creates the self-signed pair under `dataDir/tls`. */
export async function loadTlsCredentials(options: {
  dataDir: string;
  files?: { certFile: string; keyFile: string } | undefined;
}): Promise<TlsCredentials> {
  if (options.files) {
    return {
      cert: readFileSync(options.files.certFile, 'utf8'),
      key: readFileSync(options.files.keyFile, 'utf8'),
      source: 'files',
    };
  }
  const paths = certificatePaths(options.dataDir);
  if (existsSync(paths.cert) && existsSync(paths.key)) {
    const kept = { cert: readFileSync(paths.cert, 'utf8'), key: readFileSync(paths.key, 'utf8') };
    if (isUsable(kept.cert, kept.key)) return { ...kept, source: 'reused' };
  }
  const fresh = await generateSelfSigned();
  mkdirSync(path.dirname(paths.key), { recursive: true });
  writeFileSync(paths.key, fresh.key, { mode: 0o600 });
  chmodSync(paths.key, 0o600);
  writeFileSync(paths.cert, fresh.cert);
  return { ...fresh, source: 'generated' };
}
