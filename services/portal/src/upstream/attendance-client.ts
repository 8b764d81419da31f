// The portal's client of the attendance service: check-ins, attendance lists, events and tickets.
import { type CheckinBatchItem, type CheckinBatchResult, type CheckinBody, NDJSON_TYPE } from '@tixgo/contracts';
import type { ReadinessCheck, ReplicaChecks } from '@tixgo/platform';
import type { UpstreamConfig } from '../config.js';
import type { Caller } from './caller.js';
import { type CheckinBatchingOptions, CheckinCoalescer } from './checkin-coalescer.js';
import { DeliveredKeys, gatewayKey } from './delivered-keys.js';
import {
  createUpstreamClient,
  jsonBody,
  type UpstreamLog,
  type UpstreamRequest,
  type UpstreamResponse,
  type UpstreamStream,
} from './upstream-client.js';
import type { UpstreamMetrics } from './upstream-metrics.js';

export interface AttendanceClient {
  /**
   * A check-in, sent with concurrent ones in one POST /checkins/batch (see checkin-coalescer.ts)
   * under the caller's own Idempotency-Key (`key`), else a fresh one, so retries can never count
   * twice. Resolves with the item's own status and body: what POST /checkins
   * (`registeredEventOnly`: POST /events/{id}/checkins) answers.
   */
  checkIn(
    caller: Caller,
    body: CheckinBody,
    options?: { registeredEventOnly?: boolean; key?: string | undefined },
  ): Promise<CheckinBatchResult>;
  /**
   * Many check-ins in one POST /checkins/batch of their own, outside the coalescer (a device's
   * uploaded queue is a batch already), retried like the coalescer's calls: every item has its key.
   */
  checkInBatch(caller: Caller, items: CheckinBatchItem[]): Promise<UpstreamResponse>;
  /** GET /attendance/{event_id}, paged when `query` carries limit/cursor. */
  attendance(caller: Caller, eventId: string, query: string): Promise<UpstreamResponse>;
  /** GET /attendance/{event_id}, the full list as NDJSON, streamed (see AttendanceListHead). */
  attendanceLines(caller: Caller, eventId: string): Promise<UpstreamStream>;
  /** A GET whose answer is streamed through as it arrives (`path` starts with /events). */
  stream(caller: Caller, path: string): Promise<UpstreamStream>;
  /** GET /events/{id}/summary with no check-ins listed: the event and its stats. */
  summary(caller: Caller, eventId: string): Promise<UpstreamResponse>;
  /** GET /checkins: the caller's own check-ins. */
  myCheckins(caller: Caller, query: string): Promise<UpstreamResponse>;
  getEvent(caller: Caller, eventId: string): Promise<UpstreamResponse>;
  listEvents(caller: Caller): Promise<UpstreamResponse>;
  /** The event and ticket endpoints, forwarded as they are (`path` starts with /events). */
  forward(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** The /ready check of this upstream (each replica's, when there are several). */
  readiness(): ReadinessCheck | ReplicaChecks;
  /**
   * The answer to a key-less check-in, sent under `key` (from gatewayKey) for account `owner`,
   * reached its caller: attendance stops treating a retry of it as the same request (see delivered-keys.ts).
   */
  delivered(owner: string, key: string): void;
  close(): Promise<void>;
}

const segment = encodeURIComponent;

export function createAttendanceClient(
  config: UpstreamConfig,
  batching: CheckinBatchingOptions,
  log: UpstreamLog,
  metrics?: UpstreamMetrics,
): AttendanceClient {
  const upstream = createUpstreamClient('Attendance', config, log, metrics?.of('attendance'));
  const checkins = new CheckinCoalescer(
    upstream,
    { ...batching, timeoutMs: config.timeoutMs, onBatch: metrics?.observeCheckinBatch },
    log,
  );
  const get = (caller: Caller, path: string) => upstream.send({ method: 'GET', path, caller });
  const deliveredKeys = new DeliveredKeys(upstream, log);

  return {
    checkIn(caller, body, { registeredEventOnly = false, key } = {}) {
      // Routes reach here only after verifying the caller's token.
      if (caller.token === undefined) throw new Error('a check-in needs the caller’s token');
      return checkins.checkIn({
        token: caller.token,
        // The caller's key is the key attendance sees, scoped there to the token's user: a browser
        // that retries after a lost answer gets its first answer again, never a false "already
        // checked in". Without one, a key of our own (gw:…, see delivered-keys.ts) still makes the
        // portal's retries safe, and a retry through another portal too while it is undelivered.
        idempotency_key: key ?? gatewayKey(),
        event_id: body.event_id,
        ticket_id: body.ticket_id,
        location: body.location ?? null,
        scanned_at: body.scanned_at,
        admitted_offline: body.admitted_offline,
        // Gate rules (issue 16): passed on only when the scan names them (a compat item is as it was).
        ...(body.list_id !== undefined && { list_id: body.list_id }),
        ...(body.direction !== undefined && { direction: body.direction }),
        ...(body.override !== undefined && { override: body.override }),
        ...(body.device_id !== undefined && { device_id: body.device_id }),
        registered_event_only: registeredEventOnly,
        // One id from the gate's request to attendance's log lines about this item.
        request_id: caller.requestId,
        // The device's own address: attendance counts it in the per-address limit every portal shares.
        client_address: caller.clientIp,
      });
    },
    checkInBatch: (caller, items) =>
      upstream.send({
        method: 'POST',
        path: '/checkins/batch',
        caller,
        ...jsonBody({ checkins: items.map((item) => ({ ...item, client_address: caller.clientIp })) }),
        isRetrySafe: true,
      }),
    attendance: (caller, eventId, query) => get(caller, `/attendance/${segment(eventId)}${query}`),
    attendanceLines: (caller, eventId) =>
      upstream.stream({
        method: 'GET',
        path: `/attendance/${segment(eventId)}?view=portal`,
        caller,
        accept: NDJSON_TYPE,
      }),
    stream: (caller, path) => upstream.stream({ method: 'GET', path, caller }),
    summary: (caller, eventId) => get(caller, `/events/${segment(eventId)}/summary?limit=0`),
    myCheckins: (caller, query) => get(caller, `/checkins${query}`),
    getEvent: (caller, eventId) => get(caller, `/events/${segment(eventId)}`),
    listEvents: (caller) => get(caller, '/events'),
    forward: (request) => upstream.send(request),
    readiness: () => upstream.readiness(),
    delivered: (owner, key) => deliveredKeys.add(owner, key),
    async close() {
      await deliveredKeys.flush();
      await upstream.close();
    },
  };
}
