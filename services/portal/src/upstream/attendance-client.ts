// The portal's client of the attendance service: check-ins, attendance lists, events and tickets.
import { randomUUID } from 'node:crypto';
import type { CheckinBody } from '@tixgo/contracts';
import type { UpstreamConfig } from '../config.js';
import { type Caller, callerHeaders, JSON_TYPE } from './caller.js';
import { createUpstreamClient, type UpstreamMethod, type UpstreamResponse } from './upstream-client.js';

export interface AttendanceClient {
  /** POST /checkins with a fresh Idempotency-Key, so the client's retries can never count twice. */
  checkIn(caller: Caller, body: CheckinBody): Promise<UpstreamResponse>;
  /** GET /attendance/{event_id}, paged when `query` carries limit/cursor. */
  attendance(caller: Caller, eventId: string, query: string): Promise<UpstreamResponse>;
  /** GET /events/{id}/summary with no check-ins listed: the event and its stats. */
  summary(caller: Caller, eventId: string): Promise<UpstreamResponse>;
  /** GET /checkins: the caller's own check-ins. */
  myCheckins(caller: Caller, query: string): Promise<UpstreamResponse>;
  getEvent(caller: Caller, eventId: string): Promise<UpstreamResponse>;
  listEvents(caller: Caller): Promise<UpstreamResponse>;
  /** The event and ticket endpoints, forwarded as they are (`path` starts with /events). */
  forward(caller: Caller, request: ForwardedRequest): Promise<UpstreamResponse>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ForwardedRequest {
  method: UpstreamMethod;
  path: string;
  body?: string | undefined;
  contentType?: string | undefined;
  /** Set for check-ins (POST /events/{id}/checkins): makes the POST safe to retry. */
  idempotent?: boolean;
}

const segment = encodeURIComponent;

export function createAttendanceClient(
  config: UpstreamConfig,
  log: { warn(obj: object, msg?: string): void },
): AttendanceClient {
  const upstream = createUpstreamClient('Attendance', config, log);
  const get = (caller: Caller, path: string) =>
    upstream.send({ method: 'GET', path, token: caller.token, headers: callerHeaders(caller) });

  return {
    checkIn: (caller, body) =>
      upstream.send({
        method: 'POST',
        path: '/checkins',
        token: caller.token,
        headers: callerHeaders(caller),
        body: JSON.stringify(body),
        contentType: JSON_TYPE,
        idempotencyKey: randomUUID(),
      }),
    attendance: (caller, eventId, query) => get(caller, `/attendance/${segment(eventId)}${query}`),
    summary: (caller, eventId) => get(caller, `/events/${segment(eventId)}/summary?limit=0`),
    myCheckins: (caller, query) => get(caller, `/checkins${query}`),
    getEvent: (caller, eventId) => get(caller, `/events/${segment(eventId)}`),
    listEvents: (caller) => get(caller, '/events'),
    forward: (caller, request) =>
      upstream.send({
        method: request.method,
        path: request.path,
        token: caller.token,
        headers: callerHeaders(caller),
        body: request.body,
        contentType: request.contentType,
        idempotencyKey: request.idempotent ? randomUUID() : undefined,
      }),
    ping: () => upstream.ping(),
    close: () => upstream.close(),
  };
}
