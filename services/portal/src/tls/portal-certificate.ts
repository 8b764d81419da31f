// The portal's TLS key and certificate: from TLS_CERT_FILE/TLS_KEY_FILE, else issued by the portal's own CA (kept in DATA_DIR/tls) for every name it is reached by, re-issued when the names change and renewed before it expires.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { type CertificatePair, createCertificateAuthority, issueServerCertificate } from './certificate-authority.js';
import type { PortalNames } from './portal-names.js';

export interface TlsCredentials {
  key: string;
  cert: string;
  /** The root the phones install (PEM): set when the portal's own CA issued `cert`, not for TLS_CERT_FILE. */
  ca: string | undefined;
  /** Where they came from, for the start-up log. */
  source: 'files' | 'issued' | 'reused';
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Renew a server certificate this long before it expires, so neither a restart nor a long run serves an expired one. */
export const RENEW_BEFORE_MS = 30 * DAY_MS;
/** A root this close to its end is replaced (phones then install the new one): never in practice, it lasts ten years. */
const CA_RENEW_BEFORE_MS = 60 * DAY_MS;

export function certificatePaths(dataDir: string): { cert: string; key: string; caCert: string; caKey: string } {
  const dir = path.resolve(dataDir, 'tls');
  return {
    cert: path.join(dir, 'portal-cert.pem'),
    key: path.join(dir, 'portal-key.pem'),
    caCert: path.join(dir, 'ca-cert.pem'),
    caKey: path.join(dir, 'ca-key.pem'),
  };
}

function readPair(certFile: string, keyFile: string): CertificatePair | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** Writes the key (mode 0600) and the certificate, each through a temporary file: a crash never leaves half a PEM. */
function writePair(certFile: string, keyFile: string, pair: CertificatePair): void {
  mkdirSync(path.dirname(keyFile), { recursive: true });
  writeFileSync(`${keyFile}.tmp`, pair.key, { mode: 0o600 });
  chmodSync(`${keyFile}.tmp`, 0o600);
  renameSync(`${keyFile}.tmp`, keyFile);
  writeFileSync(`${certFile}.tmp`, pair.cert);
  renameSync(`${certFile}.tmp`, certFile);
}

function parses(pair: CertificatePair): X509Certificate | undefined {
  try {
    const x509 = new X509Certificate(pair.cert);
    return x509.checkPrivateKey(createPrivateKey(pair.key)) ? x509 : undefined;
  } catch {
    return undefined;
  }
}

function isUsableCa(pair: CertificatePair, now: Date): boolean {
  const x509 = parses(pair);
  return x509?.ca === true && Date.parse(x509.validTo) - now.getTime() > CA_RENEW_BEFORE_MS;
}

/**
 * Whether the kept server certificate can be served on: issued by `ca`, for every one of `names`, and
 * not within RENEW_BEFORE_MS of its end. (A name it has that is no longer wanted does no harm.)
 */
export function isCurrentServerCertificate(pair: CertificatePair, ca: string, names: PortalNames, now: Date): boolean {
  const x509 = parses(pair);
  if (!x509) return false;
  try {
    if (!x509.checkIssued(new X509Certificate(ca)) || !x509.verify(new X509Certificate(ca).publicKey)) return false;
  } catch {
    return false;
  }
  if (Date.parse(x509.validTo) - now.getTime() <= RENEW_BEFORE_MS) return false;
  if (Date.parse(x509.validFrom) > now.getTime()) return false;
  return (
    names.dns.every((name) => x509.checkHost(name, { subject: 'never', wildcards: false }) !== undefined) &&
    names.ips.every((ip) => x509.checkIP(ip) !== undefined)
  );
}

export interface OwnCaOptions {
  dataDir: string;
  names: PortalNames;
  now: Date;
  /** Written into the root's name, so a phone's list tells this box's root from another's. */
  hostname: string;
}

/** The kept root, or a new one made now (kept: the phones trust it). */
async function loadCertificateAuthority(options: OwnCaOptions): Promise<CertificatePair> {
  const paths = certificatePaths(options.dataDir);
  const kept = readPair(paths.caCert, paths.caKey);
  if (kept && isUsableCa(kept, options.now)) return kept;
  const fresh = await createCertificateAuthority({ now: options.now, hostname: options.hostname });
  writePair(paths.caCert, paths.caKey, fresh);
  return fresh;
}

/** The server pair issued by the portal's own CA: the kept one while it is current, else a new one (kept). */
export async function loadOwnCaCredentials(options: OwnCaOptions): Promise<TlsCredentials> {
  const ca = await loadCertificateAuthority(options);
  const paths = certificatePaths(options.dataDir);
  const kept = readPair(paths.cert, paths.key);
  if (kept && isCurrentServerCertificate(kept, ca.cert, options.names, options.now)) {
    return { ...kept, ca: ca.cert, source: 'reused' };
  }
  const issued = await issueServerCertificate(ca, options.names, options.now);
  writePair(paths.cert, paths.key, issued);
  return { ...issued, ca: ca.cert, source: 'issued' };
}

/**
 * One of TLS_CERT_FILE/TLS_KEY_FILE, with a message that says what to do when it cannot be read: a
 * certbot `live/` link whose target is not in the container (mount the whole letsencrypt folder), or a
 * key only root may read (the portal's image reads it as root; started otherwise, give it read access).
 */
export function readTlsFile(variable: 'TLS_CERT_FILE' | 'TLS_KEY_FILE', file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    let link: string | undefined;
    try {
      link = lstatSync(file).isSymbolicLink() ? readlinkSync(file) : undefined;
    } catch {
      link = undefined;
    }
    const why =
      code === 'ENOENT' && link !== undefined
        ? `${variable}=${file} is a symbolic link to ${link}, which does not exist here (certbot's live/ links point into ../../archive: mount the whole letsencrypt folder, e.g. TLS_DIR=/etc/letsencrypt and ${variable}=/tls/live/<domain>/…)`
        : code === 'ENOENT'
          ? `${variable}=${file} does not exist`
          : code === 'EACCES'
            ? `${variable}=${file} cannot be read by this user (uid ${process.getuid?.() ?? '?'}): give it read access, or start the portal as root with PORTAL_RUN_AS (its Docker image does)`
            : `${variable}=${file} cannot be read: ${(error as Error).message}`;
    throw new Error(why, { cause: error });
  }
}

/** Reads the configured files, else the portal's own CA and its server certificate under `dataDir/tls`. */
export async function loadTlsCredentials(
  options: OwnCaOptions & { files?: { certFile: string; keyFile: string } | undefined },
): Promise<TlsCredentials> {
  if (options.files) {
    return {
      cert: readTlsFile('TLS_CERT_FILE', options.files.certFile),
      key: readTlsFile('TLS_KEY_FILE', options.files.keyFile),
      ca: undefined,
      source: 'files',
    };
  }
  return loadOwnCaCredentials(options);
}

export interface CertificateKeeperOptions {
  dataDir: string;
  hostname: string;
  /** The names as they are now (the machine's addresses change when it joins another network). */
  names: () => PortalNames;
  now: () => Date;
  /** Takes a new pair into use (the server's setSecureContext): new connections get it at once. */
  apply: (credentials: TlsCredentials) => void;
  log: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

/**
 * Keeps the served certificate current while the portal runs: each check() re-reads the names and
 * the clock and, when the certificate no longer covers a name or is due for renewal, issues a new
 * one and applies it. `every(ms)` runs check() on a timer; tests call check() with a moved clock.
 */
export class CertificateKeeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;

  constructor(private readonly options: CertificateKeeperOptions) {}

  /** True when a new certificate was applied. Concurrent calls share one run. */
  check(): Promise<boolean> {
    this.running ??= this.renewIfDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async renewIfDue(): Promise<boolean> {
    const { options } = this;
    const names = options.names();
    const now = options.now();
    const paths = certificatePaths(options.dataDir);
    const kept = readPair(paths.cert, paths.key);
    const ca = readPair(paths.caCert, paths.caKey);
    if (kept && ca && isUsableCa(ca, now) && isCurrentServerCertificate(kept, ca.cert, names, now)) return false;
    try {
      const fresh = await loadOwnCaCredentials({ dataDir: options.dataDir, hostname: options.hostname, names, now });
      options.apply(fresh);
      options.log.info({ dns: names.dns, ips: names.ips }, 'TLS certificate renewed');
      return true;
    } catch (error) {
      // The certificate in use stays; the next check tries again.
      options.log.error({ err: error }, 'TLS certificate could not be renewed');
      return false;
    }
  }

  every(intervalMs: number): this {
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
