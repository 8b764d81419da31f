// Open connections per client address: one client may not fill the server's connection table (issue 15, item 2).
//
// Node has one cap for the whole server (maxConnections); 50 idle sockets from one address kept a
// portal with MAX_CONNECTIONS=50 refusing everyone. Counted on the server's 'connection' event, which
// fires for the TCP socket before any TLS handshake or HTTP byte, so a socket over the cap costs
// nothing more. Written here by hand: no maintained Fastify plugin counts sockets per address.
import type { Server } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';

export interface ConnectionsPerClientOptions {
  /** Most open connections from one address; 0: no cap. */
  max: number;
  /**
   * Fastify's trustProxy as configured: a trusted forwarder (a TLS proxy in front) carries many
   * clients on its connections, so its own addresses are not capped.
   */
  trustProxy?: boolean | string | string[] | number | undefined;
}

/** Whether an address is a trusted forwarder's; with `true` or a hop count every address could be one. */
export function trustedForwarder(trustProxy: ConnectionsPerClientOptions['trustProxy']): (address: string) => boolean {
  if (trustProxy === undefined || trustProxy === false) return () => false;
  if (trustProxy === true || typeof trustProxy === 'number') return () => true;
  const trusted = proxyAddr.compile(trustProxy);
  return (address) => trusted(address, 0);
}

/** Counts the sockets of each remote address and destroys one over `max`; returns the live counts (tests read them). */
export function limitConnectionsPerClient(server: Server, options: ConnectionsPerClientOptions): Map<string, number> {
  const open = new Map<string, number>();
  if (options.max <= 0) return open;
  const isExempt = trustedForwarder(options.trustProxy);
  // Prepended: the socket is refused before the TLS layer wraps it and starts a handshake.
  server.prependListener('connection', (socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || isExempt(address)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > options.max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  return open;
}
