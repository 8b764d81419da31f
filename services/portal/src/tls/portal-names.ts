// Every name and address the portal is reached by (loopback, the machine's LAN addresses and host name, PUBLIC_HOSTS): what its certificate must cover.
import { isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

export interface PortalNames {
  /** DNS names, lower case. */
  dns: string[];
  /** IPv4 and IPv6 addresses, as os.networkInterfaces() writes them. */
  ips: string[];
}

/** One DNS label: letters, digits, hyphens inside (RFC 1123). */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS name a certificate may carry (no wildcard: the portal is one machine). */
export function isDnsName(name: string): boolean {
  return name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

/** fe80::/10: valid only with an interface's zone, which no browser address bar takes. */
function isLinkLocalV6(address: string): boolean {
  return /^fe[89ab]/i.test(address);
}

/**
 * The names, in a stable order: loopback first, then the host name (and its mDNS `.local` form, which
 * phones on the same Wi-Fi may resolve), the LAN addresses, then PUBLIC_HOSTS. Docker's bridge
 * addresses are LAN addresses too: harmless in a certificate.
 */
export function portalNames(options: {
  hostname: string;
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** PUBLIC_HOSTS: names or addresses (checked by the config). */
  publicHosts: readonly string[];
}): PortalNames {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  const hostname = options.hostname.trim().toLowerCase();
  if (hostname !== '' && hostname !== 'localhost' && isDnsName(hostname)) {
    dns.add(hostname);
    if (!hostname.includes('.')) dns.add(`${hostname}.local`);
  }
  for (const addresses of Object.values(options.interfaces)) {
    for (const info of addresses ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv6' && isLinkLocalV6(info.address)) continue;
      ips.add(info.address);
    }
  }
  for (const host of options.publicHosts) {
    if (isIP(host)) ips.add(host);
    else dns.add(host.toLowerCase());
  }
  return { dns: [...dns], ips: [...ips] };
}

/** Whether two sets of names are the same, whatever their order. */
export function sameNames(a: PortalNames, b: PortalNames): boolean {
  const key = (names: PortalNames) => [...names.dns.map((n) => `d:${n}`), ...names.ips.map((n) => `i:${n}`)].sort();
  return key(a).join(',') === key(b).join(',');
}
