// How fast one caller may check in (issue 10, item 7): per user (the token's sub) and per client
// address, counted in PostgreSQL so the limits hold across replicas and restarts (issue 18).
import { type BucketLimits, httpErrors, trustedForwarder } from '@tixgo/platform';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type pg from 'pg';
import { type NamedLimit, SharedTokenBuckets } from './shared-token-buckets.js';

export interface CheckinLimits {
  perUser: BucketLimits;
  perClient: BucketLimits;
}

export interface CheckinLimitOptions {
  /** Told of every refusal (for /metrics). */
  onLimited?: () => void;
  /** The buckets' clock in ms (tests); default the database's. */
  now?: (() => number) | undefined;
  /** TRUST_PROXY: the gateways whose batch items' client_address is believed. */
  trustProxy?: false | string[];
}

export const tooManyCheckinsFromAddress = (seconds: number) =>
  `Too many check-ins from this address, try again in ${seconds} seconds`;

export const tooManyCheckinsByUser = (seconds: number) =>
  `Too many check-ins by this user, try again in ${seconds} seconds`;

/** How often buckets nobody used for a while are deleted. */
const CLEANUP_EVERY_MS = 10 * 60_000;

/**
 * Far above any real gate's pace, but bounded: one account made 3,000 check-ins (and as many
 * idempotency keys) in 2 s before. The hooks are callback-style like every hook on the check-in
 * path (no async function per request); the takes of one turn share one statement.
 */
export class CheckinRateLimits {
  private readonly buckets: SharedTokenBuckets;
  private readonly users: NamedLimit;
  private readonly clients: NamedLimit;
  private readonly idleSeconds: number;

  private readonly onLimited: () => void;
  private readonly isTrustedGateway: (address: string) => boolean;

  constructor(pool: pg.Pool, limits: CheckinLimits, options: CheckinLimitOptions = {}) {
    const { now } = options;
    this.onLimited = options.onLimited ?? (() => undefined);
    this.isTrustedGateway = trustedForwarder(options.trustProxy || undefined);
    this.buckets = new SharedTokenBuckets(pool, now);
    this.users = { name: 'checkin-user', ...limits.perUser };
    this.clients = { name: 'checkin-client', ...limits.perClient };
    // Once a bucket had the time to refill completely it is the same as none.
    const refill = (limit: BucketLimits) => limit.burst / limit.ratePerSecond;
    this.idleSeconds = Math.ceil(Math.max(refill(limits.perUser), refill(limits.perClient))) + 60;
  }

  /**
   * onRequest, before the token is checked (a flood costs no verification): one request of the
   * client's address. A batch is one request: its items count for their users (see userWait).
   */
  limitClient = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    this.buckets.take(this.clients, request.ip).then((wait) => {
      if (wait === 0) return done();
      this.onLimited();
      done(httpErrors.tooManyRequests(tooManyCheckinsFromAddress(wait), wait));
    }, done);
  };

  /**
   * Charges `count` more requests to the client's address (the refused items of a batch, issue 15,
   * item 6): a batch of 200 forged tokens costs the sender as much as 200 requests would. Taken in
   * one statement; a budget already spent just stays spent (the next request is the one refused).
   */
  async chargeClient(address: string, count: number): Promise<void> {
    if (count <= 0) return;
    const waits = await Promise.all(Array.from({ length: count }, () => this.buckets.take(this.clients, address)));
    if (waits.some((wait) => wait > 0)) this.onLimited();
  }

  /** preValidation, after authenticate: one check-in of the caller (so 401, then 429, then 422). */
  limitUser = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    this.userWait(request.user.username).then((wait) => {
      if (wait === 0) return done();
      done(httpErrors.tooManyRequests(tooManyCheckinsByUser(wait), wait));
    }, done);
  };

  /** One check-in of `username`: 0 when allowed, else the seconds to wait (a batch item's own 429). */
  async userWait(username: string): Promise<number> {
    const wait = await this.buckets.take(this.users, username);
    if (wait > 0) this.onLimited();
    return wait;
  }

  /**
   * One scan of a batch item made for `clientAddress` by the gateway at `gatewayAddress`: 0 when
   * allowed, else the seconds to wait. Counted only when the gateway is trusted (TRUST_PROXY):
   * anyone else could name a fresh address for every scan.
   */
  async forwardedClientWait(gatewayAddress: string, clientAddress: string | undefined): Promise<number> {
    if (clientAddress === undefined || !this.isTrustedGateway(gatewayAddress)) return 0;
    const wait = await this.buckets.take(this.clients, clientAddress);
    if (wait > 0) this.onLimited();
    return wait;
  }

  /** Deletes idle buckets every few minutes; returns the stop function (for onClose). */
  startCleanup(log: { warn(obj: object, msg?: string): void }): () => void {
    const run = () => {
      Promise.all([
        this.buckets.forgetIdle(this.users, this.idleSeconds),
        this.buckets.forgetIdle(this.clients, this.idleSeconds),
      ]).catch((error: unknown) => log.warn({ err: error }, 'rate bucket cleanup failed'));
    };
    const timer = setInterval(run, CLEANUP_EVERY_MS);
    timer.unref();
    return () => clearInterval(timer);
  }
}
