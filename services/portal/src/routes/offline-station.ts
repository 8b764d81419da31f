// The offline station's /api (issue 8): the uploaded scan queue (POST /api/checkins/batch), the event's ticket download (compressed), its conflicts.

import fastifyCompress from '@fastify/compress';
import {
  type CheckinBatchEnvelope,
  CheckinBatchEnvelope as CheckinBatchEnvelopeSchema,
  type CheckinBatchItem,
  type CheckinBatchResult,
  type CheckinBatchResults,
  CheckinConflict,
  type CheckinCreated,
  ConflictList,
  ConflictParams,
  ErrorBody,
  IdParams,
  ListParams,
  ListPasses,
  ListPassesQuery,
  OfflineTickets,
  OfflineTicketsQuery,
  PageQuery,
  PortalBatchBody,
  PortalBatchItem,
  type PortalBatchResult,
  PortalBatchResults,
  toPortalCheckin,
  ValidationErrorBody,
} from '@tixgo/contracts';
import type { FastifySchemaCompiler } from 'fastify';
import { type FastifyPluginAsyncZod, validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodType, z } from 'zod';
import { SPEC_BODY_LIMIT_BYTES } from '../body-allowance.js';
import { type CheckinClientLimit, tooManyCheckinsFromAddress } from '../checkin-client-limit.js';
import { authenticateCaller, callerOf } from '../session/authenticate-caller.js';
import type { AttendanceClient } from '../upstream/attendance-client.js';
import { relayTo, sendUpstream } from '../upstream/pass-through.js';
import { queryString } from '../upstream/query-string.js';
import { upstreamUnavailable } from '../upstream/upstream-client.js';

/**
 * Validates only the list (1..200 items) up front, as attendance's POST /checkins/batch does: one bad
 * scan in a device's queue must get its own 422, not block the whole queue's upload forever.
 */
function envelopeOnly<S>(route: Parameters<FastifySchemaCompiler<S>>[0]): ReturnType<FastifySchemaCompiler<S>> {
  // The route's schemas are zod schemas; Fastify's generic only knows the route's schema object.
  const schema = route.httpPart === 'body' ? CheckinBatchEnvelopeSchema : (route.schema as unknown as ZodType);
  return validatorCompiler({ ...route, schema });
}

/** The FastAPI-shaped 422 of one scan, located as POST /api/checkins locates a field of its body. */
function invalidScan(error: z.ZodError): PortalBatchResult {
  const detail = error.issues.map((issue) => ({
    loc: ['body', ...issue.path.map((part) => (typeof part === 'number' ? part : String(part)))],
    msg: issue.message,
    type: issue.code,
  }));
  return { status: 422, body: { detail } };
}

/** The per-scan results of attendance's 200, when there is one for every scan sent (else the two disagree on the API). */
function resultsOf(body: string, expected: number): CheckinBatchResult[] | undefined {
  try {
    const { results } = JSON.parse(body) as CheckinBatchResults;
    return Array.isArray(results) && results.length === expected ? results : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One scan's answer in the portal's shapes: a 201 as POST /api/checkins answers it (PortalCheckin), a
 * 429 with its retry_after in the body, anything else (409 with the first record and the conflict
 * flag, 404, 422, 401) as attendance said it.
 */
export function portalResultOf(result: CheckinBatchResult & { retry_after?: number }): PortalBatchResult {
  if (result.status === 201) return { status: 201, body: toPortalCheckin((result.body as CheckinCreated).record) };
  if (result.status === 429) {
    const body = result.body as { detail: string; retry_after?: number };
    return { status: 429, body: { ...body, retry_after: result.retry_after ?? body.retry_after ?? 1 } };
  }
  return { status: result.status, body: result.body } as PortalBatchResult;
}

/**
 * The event's tickets for a gate device, compressed: a 100,000-ticket event is ~3 MB of JSON. Only
 * this route (a scope of its own): check-in answers are small and latency-bound, and the live
 * streams must never be buffered by a compressor.
 */
const ticketDownloadRoutes: FastifyPluginAsyncZod<{ attendance: AttendanceClient }> = async (app, { attendance }) => {
  // gzip first: on these pages of random codes it came out smaller and faster than brotli at its
  // default quality (100,000 tickets: 1,019 KB in 393 ms against 1,073 KB in 442 ms, BENCHMARKS.md),
  // and its compressor holds far less memory. Requests carry no compressed bodies.
  await app.register(fastifyCompress, { encodings: ['gzip', 'br'], globalDecompression: false });
  const relay = relayTo(attendance);
  app.get(
    '/api/events/:id/tickets/offline',
    {
      onRequest: authenticateCaller,
      schema: {
        tags: ['events', 'offline'],
        summary: "The event's tickets and check-ins for the station's offline copy (compressed)",
        description:
          'As attendance answers it: for committee members and admins alike (a gate device needs the ' +
          'codes), pages of up to 20,000 entries with next_cursor, then only what changed since. ' +
          'Compressed (gzip, else br) when the client accepts it.',
        security: [{ bearerAuth: [] }],
        params: IdParams,
        querystring: OfflineTicketsQuery,
        response: { 200: OfflineTickets, 404: ErrorBody, 410: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(
        request,
        reply,
        'GET',
        `/events/${encodeURIComponent(request.params.id)}/tickets/offline${queryString(request.query)}`,
      ),
  );
  // Issue 16: a station on an area or day list keeps every ticket's state there, asked for at each sync.
  app.get(
    '/api/events/:id/lists/:list_id/passes',
    {
      onRequest: authenticateCaller,
      schema: {
        tags: ['gate rules', 'offline'],
        summary: "Every ticket's state on a list other than main, for the offline station's copy (compressed)",
        security: [{ bearerAuth: [] }],
        params: ListParams,
        querystring: ListPassesQuery,
        response: { 200: ListPasses, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(
        request,
        reply,
        'GET',
        `/events/${encodeURIComponent(request.params.id)}/lists/${encodeURIComponent(request.params.list_id)}/passes` +
          queryString(request.query),
      ),
  );
};

export interface OfflineStationRoutesOptions {
  attendance: AttendanceClient;
  /** Check-ins per client address, shared with POST /api/checkins: each uploaded scan counts. */
  checkinsPerClient: CheckinClientLimit;
}

const offlineStationRoutes: FastifyPluginAsyncZod<OfflineStationRoutesOptions> = async (
  app,
  { attendance, checkinsPerClient },
) => {
  const security = [{ bearerAuth: [] }];
  const relay = relayTo(attendance);

  app.post(
    '/api/checkins/batch',
    {
      // The upload's first scan is counted here, before the token is verified (a flood of uploads
      // costs no verification); the others one by one in the handler.
      onRequest: [checkinsPerClient.limitRequest, authenticateCaller],
      // 200 scans with their keys and times: the spec's limit, not the portal's small default.
      bodyLimit: SPEC_BODY_LIMIT_BYTES,
      validatorCompiler: envelopeOnly,
      schema: {
        tags: ['checkins', 'offline'],
        summary: "Upload a station's queued scans: each checked in as POST /api/checkins would, with its own key",
        description:
          "Each scan goes to attendance with the caller's own token and its own idempotency_key (the key " +
          'the device made for that scan, scoped to the caller), as POST /api/checkins with that key: so a ' +
          'scan first tried online replays its answer, and a retried or interrupted upload repeated from the ' +
          'start never counts twice. 200 with one {status, body} per scan in order: 201 (the PortalCheckin, ' +
          'with scanned_at when given), 409 (the first check-in; "conflict": true when the scan was ' +
          'admitted_offline), 404 (other_event: the code is a ticket of that event), 422 (that scan only), 429 ' +
          "(retry_after seconds: the scan's user at attendance, or this client address here, checked in too " +
          "often; that scan was not sent). Every scan counts against the address's check-in limit as a POST " +
          '/api/checkins does; an upload when the address has none left at all is a 429 with Retry-After for ' +
          'the whole call. 502/504: attendance is away, nothing is known of any scan: upload the same batch ' +
          'again later.',
        security,
        body: PortalBatchBody,
        response: {
          200: PortalBatchResults,
          422: ValidationErrorBody.describe('not a list of 1 to 200 scans'),
          502: ErrorBody,
          504: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      // Validated as CheckinBatchEnvelope (see envelopeOnly): the scans are still unchecked.
      const { checkins } = request.body as unknown as CheckinBatchEnvelope;
      const caller = callerOf(request);
      const results: PortalBatchResult[] = [];
      const valid: { index: number; item: CheckinBatchItem }[] = [];
      checkins.forEach((raw, index) => {
        // In the order of a single request: the address's limit (429), then the fields (422). The
        // first scan was counted by the onRequest hook.
        const wait = index === 0 ? 0 : checkinsPerClient.scanWait(request.ip);
        if (wait > 0) {
          results[index] = { status: 429, body: { detail: tooManyCheckinsFromAddress(wait), retry_after: wait } };
          return;
        }
        const parsed = PortalBatchItem.safeParse(raw);
        if (!parsed.success) {
          results[index] = invalidScan(parsed.error);
          return;
        }
        const { idempotency_key, ...body } = parsed.data;
        // As POST /api/checkins sends it (the same request identity at attendance), under the caller's token.
        valid.push({
          index,
          item: { ...body, token: caller.token as string, idempotency_key, registered_event_only: false },
        });
      });
      if (valid.length > 0) {
        // One call of its own, not through the coalescer: the upload is a batch already, and queued
        // behind it in the coalescer's line, the live gates' scans would wait for 200 uploaded ones.
        const upstream = await attendance.checkInBatch(
          caller,
          valid.map(({ item }) => item),
        );
        // A refusal of the whole call (429: too many from this portal) is passed on as attendance said it.
        if (upstream.status !== 200) return sendUpstream(reply, upstream);
        const answered = resultsOf(upstream.body, valid.length);
        if (!answered) throw upstreamUnavailable('Attendance');
        valid.forEach(({ index }, position) => {
          results[index] = portalResultOf(answered[position] as CheckinBatchResult);
        });
      }
      return { results };
    },
  );

  app.get(
    '/api/events/:id/conflicts',
    {
      onRequest: authenticateCaller,
      schema: {
        tags: ['events', 'offline'],
        summary: 'Scans admitted offline that did not count, newest first (for a supervisor)',
        security,
        params: IdParams,
        querystring: PageQuery,
        response: { 200: ConflictList, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(
        request,
        reply,
        'GET',
        `/events/${encodeURIComponent(request.params.id)}/conflicts${queryString(request.query)}`,
      ),
  );

  app.post(
    '/api/events/:id/conflicts/:conflict_id/handled',
    {
      onRequest: authenticateCaller,
      schema: {
        tags: ['events', 'offline'],
        summary: 'Mark a conflict handled: it stays listed, with who and when',
        security,
        params: ConflictParams,
        response: { 200: CheckinConflict, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(
        request,
        reply,
        'POST',
        `/events/${encodeURIComponent(request.params.id)}/conflicts/${request.params.conflict_id}/handled`,
      ),
  );

  await app.register(ticketDownloadRoutes, { attendance });
};

export default offlineStationRoutes;
