// Check-ins per client address at the portal (issue 10, item 7), counted before anything is forwarded.
import { type BucketLimits, httpErrors, TokenBuckets } from '@tixgo/platform';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify';

/**
 * The onRequest hook of the check-in routes. Attendance limits each user (also inside the portal's
 * batches) but sees every gate behind the portal as the portal's one address, so the per-address
 * limit is the portal's job (the address as TRUST_PROXY lets Fastify read it). Runs before the
 * token is verified: a flood costs no verification. Callback-style, like every hook on this path.
 */
export function checkinClientLimit(limits: BucketLimits): onRequestHookHandler {
  const clients = new TokenBuckets(limits);
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const wait = clients.take(request.ip);
    if (wait > 0) {
      throw httpErrors.tooManyRequests(`Too many check-ins from this address, try again in ${wait} seconds`, wait);
    }
    done();
  };
}
