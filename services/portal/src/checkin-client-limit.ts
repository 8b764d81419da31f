// Check-ins per client address at the portal (issue 10, item 7): every scan counted, one request or an uploaded queue.
import { type BucketLimits, httpErrors, TokenBuckets } from '@tixgo/platform';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

export const tooManyCheckinsFromAddress = (seconds: number) =>
  `Too many check-ins from this address, try again in ${seconds} seconds`;

/**
 * This process's own guard, counted before any token is verified (a flood costs this portal no
 * verification): it protects this portal's CPU, which is per process by nature. The per-address
 * budget that means the same with one portal or five is attendance's: every check-in carries the
 * device's address (client_address) and attendance, trusting the portals (its TRUST_PROXY), counts
 * it in its database. Both use the same numbers, so with one portal they refuse together. The
 * address is the one TRUST_PROXY lets Fastify read. One budget per address for every way in: POST /api/checkins,
 * POST /api/events/{id}/checkins and each scan of POST /api/checkins/batch, so a device's uploaded
 * queue of 200 scans costs what 200 single check-ins cost.
 */
export class CheckinClientLimit {
  private readonly clients: TokenBuckets;

  constructor(limits: BucketLimits) {
    this.clients = new TokenBuckets(limits);
  }

  /**
   * onRequest of the check-in routes: one check-in of the address (of a batch, its first scan; the
   * others count in the route, see scanWait). Runs before the token is verified: a flood costs no
   * verification. Callback-style, like every hook on this path.
   */
  limitRequest = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const wait = this.clients.take(request.ip);
    if (wait > 0) throw httpErrors.tooManyRequests(tooManyCheckinsFromAddress(wait), wait);
    done();
  };

  /** One more scan from `address`: 0 when allowed, else the seconds to wait (a batch item's own 429). */
  scanWait(address: string): number {
    return this.clients.take(address);
  }
}
