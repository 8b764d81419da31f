// Tells attendance which key-less check-ins' answers this portal delivered (issue 18, item 5).
//
// A caller that sends no Idempotency-Key gets a key the portal makes (gw:…). Attendance keeps that
// key "undelivered" until told otherwise: should this portal die between attendance's commit and
// the caller getting its answer, the caller's key-less retry through another portal is answered 201
// as the first request was, instead of a false 409 for its own scan. Written by hand: a small queue
// flushed every half second in one POST per 1,000 keys; nothing in a library does this.
import { randomUUID } from 'node:crypto';
import { MAX_DELIVERED_KEYS } from '@tixgo/contracts';
import type { AuthUser } from '@tixgo/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { jsonBody, type UpstreamClient, type UpstreamLog } from './upstream-client.js';

const FLUSH_AFTER_MS = 500;

/** A key for a caller that sent none: attendance recognises the gw: prefix. */
export const gatewayKey = () => `gw:${randomUUID()}`;

export class DeliveredKeys {
  private pending: { owner: string; key: string }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly upstream: UpstreamClient,
    private readonly log: UpstreamLog,
  ) {}

  /** The answer under `key` (made by gatewayKey for account `owner`) reached its caller. */
  add(owner: string, key: string): void {
    this.pending.push({ owner, key });
    if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
      this.timer.unref();
    }
  }

  /** Sends what is pending now (also on close). A failure only leaves those keys undelivered. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const keys = this.pending;
    this.pending = [];
    for (let start = 0; start < keys.length; start += MAX_DELIVERED_KEYS) {
      const chunk = keys.slice(start, start + MAX_DELIVERED_KEYS);
      try {
        const answer = await this.upstream.send({
          method: 'POST',
          path: '/checkins/delivered',
          ...jsonBody({ keys: chunk }),
          isRetrySafe: true,
        });
        if (answer.status !== 204) this.log.warn({ status: answer.status }, 'attendance refused delivered keys');
      } catch (error) {
        this.log.warn({ err: error, keys: chunk.length }, 'could not mark key-less check-ins delivered');
      }
    }
  }
}

/**
 * For a check-in route: the caller's own Idempotency-Key, or one of ours; with ours, attendance is
 * told once the answer has been handed to the caller's connection.
 */
export function checkinKey(
  request: FastifyRequest,
  reply: FastifyReply,
  attendance: { delivered(owner: string, key: string): void },
): string {
  const own = request.headers['idempotency-key'];
  if (typeof own === 'string') return own;
  const key = gatewayKey();
  const { uid } = request.user as AuthUser;
  reply.raw.once('finish', () => attendance.delivered(uid, key));
  return key;
}
