// How fast one caller may check in (issue 10, item 7): per user (the token's sub) and per client address.
import { type BucketLimits, httpErrors, TokenBuckets } from '@tixgo/platform';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

export interface CheckinLimits {
  perUser: BucketLimits;
  perClient: BucketLimits;
}

export const tooManyCheckinsByUser = (seconds: number) =>
  `Too many check-ins by this user, try again in ${seconds} seconds`;

/**
 * Far above any real gate's pace, but bounded: one account made 3,000 check-ins (and as many
 * idempotency keys) in 2 s before. The hooks are callback-style like every hook on the check-in
 * path (no promise per request).
 */
export class CheckinRateLimits {
  private readonly users: TokenBuckets;
  private readonly clients: TokenBuckets;

  /** `onLimited`: told of every refusal (for /metrics). */
  constructor(
    limits: CheckinLimits,
    private readonly onLimited: () => void = () => undefined,
  ) {
    this.users = new TokenBuckets(limits.perUser);
    this.clients = new TokenBuckets(limits.perClient);
  }

  /**
   * onRequest, before the token is checked (a flood costs no verification): one request of the
   * client's address. A batch is one request: its items count for their users (see userWait).
   */
  limitClient = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const wait = this.clients.take(request.ip);
    if (wait > 0) {
      this.onLimited();
      throw httpErrors.tooManyRequests(`Too many check-ins from this address, try again in ${wait} seconds`, wait);
    }
    done();
  };

  /** preValidation, after authenticate: one check-in of the caller (so 401, then 429, then 422). */
  limitUser = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const wait = this.userWait(request.user.username);
    if (wait > 0) throw httpErrors.tooManyRequests(tooManyCheckinsByUser(wait), wait);
    done();
  };

  /** One check-in of `username`: 0 when allowed, else the seconds to wait (a batch item's own 429). */
  userWait(username: string): number {
    const wait = this.users.take(username);
    if (wait > 0) this.onLimited();
    return wait;
  }
}
