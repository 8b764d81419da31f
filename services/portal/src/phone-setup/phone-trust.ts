// How a gate phone comes to trust the portal: which certificate it serves, the CA to install and the addresses to open.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { isDnsName, type PortalNames } from '../tls/portal-names.js';

export type ServedCertificate =
  /** The portal's own CA issued the certificate: phones install `caCert` (PEM) once. */
  | { kind: 'own-ca'; caCert: string }
  /** TLS_CERT_FILE/TLS_KEY_FILE: a certificate phones already trust; nothing to install. */
  | { kind: 'files' }
  /** PORTAL_HTTP: a TLS proxy in front serves its own certificate. */
  | { kind: 'proxy' };

export interface PhoneTrust {
  certificate: ServedCertificate;
  /** Every name and address the portal is reached by, as they are now. */
  names(): PortalNames;
  /** The HTTPS port (PORT). */
  httpsPort: number;
  /** The plain-HTTP companion's port (PORTAL_CA_HTTP_PORT); 0: none. */
  caHttpPort: number;
  /** false: HOST is a loopback address, so no phone can reach the portal. */
  reachableFromNetwork: boolean;
}

export interface CaFacts {
  /** The root's common name, as a phone lists it. */
  name: string;
  /** SHA-256 of the root, colon-separated upper-case hex (as Android and iOS show it). */
  fingerprint: string;
}

export function caFacts(caCert: string): CaFacts {
  const x509 = new X509Certificate(caCert);
  const name = /^CN=(.*)$/m.exec(x509.subject)?.[1] ?? x509.subject;
  return { name, fingerprint: x509.fingerprint256 };
}

/** Whether HOST keeps the portal to this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/** A host for a URL: IPv6 in brackets. */
function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * The hosts a phone can open, best first: IPv4 LAN addresses (what people type), the host name and
 * other DNS names, IPv6 addresses; never loopback.
 */
export function reachableHosts(names: PortalNames): string[] {
  const ips = names.ips.filter((ip) => !isLoopbackHost(ip));
  const dns = names.dns.filter((name) => name !== 'localhost');
  return [...ips.filter((ip) => isIP(ip) === 4), ...dns, ...ips.filter((ip) => isIP(ip) === 6)];
}

/** The install page at `host`: on the plain-HTTP companion when there is one, else on HTTPS. */
export function installUrl(trust: PhoneTrust, host: string): string {
  return trust.caHttpPort > 0
    ? `http://${urlHost(host)}:${trust.caHttpPort}/ca`
    : `https://${urlHost(host)}:${trust.httpsPort}/ca`;
}

export function portalUrl(trust: PhoneTrust, host: string, port = trust.httpsPort): string {
  return `https://${urlHost(host)}:${port}`;
}

/**
 * The host a request named in its Host header (what the phone typed), when it is a plain name or
 * address; anything else (a forged header) yields undefined and the caller uses a known address.
 */
export function requestedHost(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0) return bare;
  const lower = bare.toLowerCase();
  return isDnsName(lower) ? lower : undefined;
}
