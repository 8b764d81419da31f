// Bodies the portal's /api answers with (spec: portal), and their mapping from attendance's records.
import { z } from 'zod';
import type { AttendanceList, CheckinRecord, MyCheckins } from './attendance.js';
import { Id, IsoTime } from './common.js';

/** 201 of POST /api/checkins. */
export const PortalCheckin = z.object({
  checkin_id: z.string(),
  event_id: z.string(),
  ticket_id: z.string(),
  user_id: z.string().describe('who scanned the ticket (the token subject)'),
  checkin_time: IsoTime,
  location: z.string().nullable(),
  status: z.literal('success'),
  scanned_at: IsoTime.optional().describe('when the device scanned the code; only on check-ins that gave one'),
  list_id: z.string().optional().describe('only on a scan of a list other than "main" (issue 16)'),
  direction: z.literal('exit').optional().describe('only on an exit: the ticket left (issue 16)'),
  overridden: z.literal(true).optional().describe('a supervisor let the person into a full list'),
});
export type PortalCheckin = z.infer<typeof PortalCheckin>;

export const PortalAttendanceCheckin = z.object({
  checkin_id: z.string(),
  ticket_id: z.string(),
  user_id: z.string(),
  checkin_time: IsoTime,
  location: z.string().nullable(),
  scanned_at: IsoTime.optional().describe('when the device scanned the code; only on check-ins that gave one'),
});

/** 200 of GET /api/attendance/{event_id}; an unregistered event with check-ins has nulls for what only a registered one knows. */
export const PortalAttendance = z.object({
  event_id: z.string(),
  event_name: z.string().nullable(),
  total_registered: z.number().int().nullable(),
  total_checked_in: z.number().int(),
  checkin_percentage: z.number().nullable(),
  checkins: z.array(PortalAttendanceCheckin),
  next_cursor: z.string().nullable().optional().describe('present when paged: null on the last page'),
});
export type PortalAttendance = z.infer<typeof PortalAttendance>;

export const PortalMyCheckin = z.object({
  checkin_id: z.string(),
  event_id: z.string(),
  event_name: z.string().nullable(),
  ticket_id: z.string(),
  checkin_time: IsoTime,
  scanned_at: IsoTime.optional().describe('when the device scanned the code; only on check-ins that gave one'),
});

/** 200 of GET /api/checkins: the caller's own check-ins. */
export const PortalMyCheckins = z.object({
  user_id: z.string(),
  checkins: z.array(PortalMyCheckin),
  next_cursor: z.string().nullable().optional().describe('attendance answers one bounded page: null on the last'),
});
export type PortalMyCheckins = z.infer<typeof PortalMyCheckins>;

/** POST /api/auth/logout: the refresh token to revoke is optional (the session cookie is cleared either way). */
export const PortalLogoutBody = z.object({ refresh_token: z.string().min(1).max(512).optional() });

export const PortalEventIdParams = z.object({ event_id: Id });

/**
 * The browser session as the web UI sees it (POST /api/session, GET /api/session, POST
 * /api/session/refresh): who is signed in and for how long. The tokens themselves stay in HttpOnly
 * cookies, out of reach of page scripts.
 */
export const SessionInfo = z.object({
  username: z.string(),
  role: z.enum(['committee', 'supervisor', 'admin']),
  expires_in: z
    .number()
    .int()
    .describe('seconds until the access token (renewable by POST /api/session/refresh) expires'),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/** What the portal knows of an event when it answers with attendance (null: never registered). */
export interface EventFacts {
  name: string | null;
  totalRegistered: number | null;
  checkinPercentage: number | null;
}

/**
 * compat: a check-in without a device scan time answers exactly as before, without the field (not
 * even as undefined, so the keys of the shape stay what they were); one with it carries scanned_at last.
 */
const scanTimeOf = (record: CheckinRecord) =>
  record.scanned_at === undefined ? {} : { scanned_at: record.scanned_at };

export function toPortalCheckin(record: CheckinRecord): PortalCheckin {
  return {
    checkin_id: record.checkin_id,
    event_id: record.event_id,
    ticket_id: record.ticket_id,
    user_id: record.checked_in_by,
    checkin_time: record.checked_in_at,
    location: record.location,
    status: 'success',
    ...scanTimeOf(record),
    // Gate rules (issue 16): only where they apply, so a compat scan answers exactly as before.
    ...(record.list_id !== undefined && { list_id: record.list_id }),
    ...(record.direction === 'exit' && { direction: 'exit' as const }),
    ...(record.overridden === true && { overridden: true as const }),
  };
}

/** One check-in of GET /api/attendance/{event_id} (also mapped one by one when the list is streamed). */
export function toPortalAttendanceCheckin(record: CheckinRecord): z.infer<typeof PortalAttendanceCheckin> {
  return {
    checkin_id: record.checkin_id,
    ticket_id: record.ticket_id,
    user_id: record.checked_in_by,
    checkin_time: record.checked_in_at,
    location: record.location,
    ...scanTimeOf(record),
  };
}

export function toPortalAttendance(list: AttendanceList, event: EventFacts): PortalAttendance {
  const view: PortalAttendance = {
    event_id: list.event_id,
    event_name: event.name,
    total_registered: event.totalRegistered,
    total_checked_in: list.total_checked_in,
    checkin_percentage: event.checkinPercentage,
    checkins: list.records.map(toPortalAttendanceCheckin),
  };
  if (list.next_cursor !== undefined) view.next_cursor = list.next_cursor;
  return view;
}

export function toPortalMyCheckins(mine: MyCheckins, eventNames: ReadonlyMap<string, string>): PortalMyCheckins {
  return {
    user_id: mine.user_id,
    checkins: mine.checkins.map((record) => ({
      checkin_id: record.checkin_id,
      event_id: record.event_id,
      event_name: eventNames.get(record.event_id) ?? null,
      ticket_id: record.ticket_id,
      checkin_time: record.checked_in_at,
      ...scanTimeOf(record),
    })),
    next_cursor: mine.next_cursor,
  };
}

/**
 * Names of the server-sent events of GET /api/live/… (new). `overview` carries an Overview, `stats`
 * an EventStats, each sent when it changed; the others carry `{"detail": …}`: `unavailable` (attendance
 * cannot be reached; the stream stays and data follows when it is back), `expired` (the subscriber's
 * token expired or was refused; the stream ends: renew the session and reconnect), `not_found` (the
 * event is gone; the stream ends). `ping` carries `{"every_ms": n}`, sent every n ms: a client that
 * hears nothing for a few of those knows its portal is gone and reconnects (through its balancer, to
 * another one) even when no connection error told it so.
 */
export const LIVE_EVENTS = {
  overview: 'overview',
  stats: 'stats',
  unavailable: 'unavailable',
  expired: 'expired',
  notFound: 'not_found',
  ping: 'ping',
} as const;
export type LiveEventName = (typeof LIVE_EVENTS)[keyof typeof LIVE_EVENTS];

/** Newest check-ins in each `stats` event of GET /api/live/events/{id} (the station's and the event page's). */
export const LIVE_LATEST_CHECKINS = 10;

/**
 * 200 of GET /api/phone-setup (new, admin): how gate phones come to trust the portal, for the
 * dashboard's QR code. `certificate`: `own-ca` (the portal's own CA issued its certificate: phones
 * install it from the install page), `files` (TLS_CERT_FILE: nothing to install), `proxy` (PORTAL_HTTP
 * behind a TLS proxy: the proxy's certificate). `install_urls`: the install page at every address the
 * portal is reached by, the plain-HTTP companion's first (a phone opens it before it trusts anything).
 */
export const PhoneSetup = z.object({
  certificate: z.enum(['own-ca', 'files', 'proxy']),
  ca_name: z.string().nullable(),
  ca_fingerprint_sha256: z.string().nullable().describe('colon-separated hex, as phones show it'),
  install_urls: z.array(z.string()),
  portal_urls: z.array(z.string()),
  reachable_from_network: z.boolean().describe('false: the portal listens on loopback only (HOST)'),
});
export type PhoneSetup = z.infer<typeof PhoneSetup>;
