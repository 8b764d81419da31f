// Check-ins per client address at the portal (issue 10, item 7): every scan counted, one request or an uploaded queue.
import { type BucketLimits, httpErrors, TokenBuckets } from '@tixgo/platform';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

export const tooManyCheckinsFromAddress = (seconds: number) =>
  `Too many check-ins from this address, try again in ${seconds} seconds`;

/**
 * Attendance limits each user (also inside the portal's batches) but sees every gate behind the
 * portal as the portal's one address, so the per-address limit is the portal's job (the address as
 * TRUST_PROXY lets Fastify read it). One budget per address for every way in: POST /api/checkins,
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
