// POST /checkins/batch (new): many check-ins in one request, each authorized by its own token and answered as its single request would be.
//
// Made for gateways (the portal): one HTTP request and one token check per scan instead of a full
// request cycle each, and the items reach the check-in batcher together, so they share statements
// and commits. Nothing trusts the sender: every item carries the scanning person's own token.
import {
  CheckinBatchBody,
  CheckinBatchEnvelope,
  CheckinBatchItem,
  type CheckinBatchResult,
  CheckinBatchResults,
  DeliveredKeys,
  ErrorBody,
  REQUEST_ID_PATTERN,
  ValidationErrorBody,
} from '@tixgo/contracts';
import { type AuthUser, trustedForwarder, type ValidationItem, verifyAccessToken } from '@tixgo/platform';
import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { type FastifyPluginAsyncZod, validatorCompiler } from 'fastify-type-provider-zod';
import { type ZodType, z } from 'zod';
import { tooManyCheckinsByUser, tooManyCheckinsFromAddress } from '../checkins/checkin-rate-limits.js';
import { type DeviceAtEvent, type FirstDownloads, firstDownloadsOf } from '../checkins/device-bound.js';
import { eventTimesOf, recordCheckin, type ScanRequest, withDeviceBound } from '../checkins/record-checkin.js';
import { type EventTimes, eventScanTimeIssue } from '../checkins/scan-time.js';
import { checkinAnswer, fieldsOf, scanOf } from './checkins.js';
import type { AttendanceRouteOptions } from './route-options.js';

/**
 * Validates only the list (1..MAX_CHECKINS_PER_BATCH items) up front; the documented schema
 * (CheckinBatchBody) would refuse the whole batch for one bad item.
 */
function envelopeOnly<S>(route: Parameters<FastifySchemaCompiler<S>>[0]): ReturnType<FastifySchemaCompiler<S>> {
  // The route's schemas are zod schemas; Fastify's generic only knows the route's schema object.
  const schema = route.httpPart === 'body' ? CheckinBatchEnvelope : (route.schema as unknown as ZodType);
  return validatorCompiler({ ...route, schema });
}

/** The token field of an item that has one, checked before the rest as a request's header is. */
function tokenOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { token } = item as { token?: unknown };
  return typeof token === 'string' ? token : undefined;
}

/** An item that says when its device scanned it (an offline upload), with the event it names. */
function hasScanTime(item: unknown): boolean {
  return typeof item === 'object' && item !== null && typeof (item as { scanned_at?: unknown }).scanned_at === 'string';
}

function eventIdOf(item: unknown): string {
  const { event_id: id } = item as { event_id?: unknown };
  return String(id);
}

/** The device of an item with a scan time and a device id (its time is bounded by the device's first download). */
function deviceOf(item: unknown): DeviceAtEvent | undefined {
  if (!hasScanTime(item)) return undefined;
  const { device_id: deviceId } = item as { device_id?: unknown };
  return typeof deviceId === 'string' ? { eventId: eventIdOf(item), deviceId } : undefined;
}

/** The item's own request id (its check-in's X-Request-Id at the portal) when it has an acceptable one. */
function requestIdOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { request_id: id } = item as { request_id?: unknown };
  return typeof id === 'string' && REQUEST_ID_PATTERN.test(id) ? id : undefined;
}

/**
 * Distinct tokens a batch may get wrong before its remaining items are not verified at all (issue 15,
 * item 6: 200 well-formed, wrongly signed tokens cost ~34 ms of CPU per request). A gateway verifies
 * tokens before it sends them, so an honest batch has none wrong, or one or two just revoked.
 */
export const MAX_BAD_TOKENS_PER_BATCH = 3;

export const SKIPPED_AFTER_BAD_TOKENS = 'Not checked: this batch carried too many invalid tokens; send it again';

/**
 * The tokens of one batch, each distinct token verified once (a station's upload repeats one token
 * 200 times), in item order, until at least MAX_BAD_TOKENS_PER_BATCH distinct ones failed and they
 * outnumber the good ones: after that a token not seen yet is not verified ('skipped').
 */
class BatchTokens {
  private readonly verified = new Map<string, AuthUser | Error>();
  private bad = 0;
  private good = 0;
  /** Items refused for their token (invalid, or not verified): each is charged to the sender's address. */
  refusedItems = 0;

  constructor(private readonly app: FastifyInstance) {}

  verify(token: string): AuthUser | Error | 'skipped' {
    const result = this.verifyOnce(token);
    if (result === 'skipped' || result instanceof Error) this.refusedItems += 1;
    return result;
  }

  private verifyOnce(token: string): AuthUser | Error | 'skipped' {
    const known = this.verified.get(token);
    if (known !== undefined) return known;
    // Stopped once the bad tokens are both several and the most (an honest gateway's batch of many
    // people may carry a few just revoked; a forger has no good ones, or one repeated).
    if (this.bad >= MAX_BAD_TOKENS_PER_BATCH && this.bad > this.good) return 'skipped';
    let result: AuthUser | Error;
    try {
      result = verifyAccessToken(this.app, token);
      this.good += 1;
    } catch (error) {
      result = error as Error;
      this.bad += 1;
    }
    this.verified.set(token, result);
    return result;
  }
}

/** The FastAPI-shaped 422 of an item, located as POST /checkins locates a field of its body. */
function invalidItem(error: z.ZodError): CheckinBatchResult {
  const detail = error.issues.map((issue) => ({
    loc: ['body', ...issue.path.map((part) => (typeof part === 'number' ? part : String(part)))],
    msg: issue.message,
    type: issue.code,
  }));
  return { status: 422, body: { detail } };
}

const checkinBatchRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions> = async (app, options) => {
  const { config, limits } = options;
  const isDebug = config.logLevel === 'debug' || config.logLevel === 'trace';
  /**
   * Logs an item's answer at debug (beside the batch's own request lines) under the item's request
   * id, so one id follows a check-in from the portal's log into this one. The child logger is made
   * only when the line is written: at the usual levels the check-in path pays nothing for it.
   */
  function logAnswer(batch: FastifyRequest, raw: unknown, result: CheckinBatchResult): void {
    if (!isDebug) return;
    const { event_id, ticket_id } = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    app.log
      .child({ reqId: requestIdOf(raw) ?? batch.id, batchReqId: batch.id })
      .debug({ status: result.status, event_id, ticket_id }, 'check-in answered');
  }

  /**
   * One item, in the order a single request is handled: token (401), its user's rate (429), fields
   * (422), then the check-in itself. Rejects only for what is not the item's fault (the database, a bug).
   */
  async function checkInItem(
    raw: unknown,
    batch: FastifyRequest,
    tokens: BatchTokens,
    times: Map<string, EventTimes>,
    firstDownloads: FirstDownloads,
  ): Promise<CheckinBatchResult> {
    const result = await answerItem(raw, batch, tokens, times, firstDownloads);
    logAnswer(batch, raw, result);
    return result;
  }

  async function answerItem(
    raw: unknown,
    batch: FastifyRequest,
    tokens: BatchTokens,
    times: Map<string, EventTimes>,
    firstDownloads: FirstDownloads,
  ): Promise<CheckinBatchResult> {
    const token = tokenOf(raw);
    let user: AuthUser | undefined;
    if (token !== undefined) {
      const verified = tokens.verify(token);
      // Retryable, not a 401: an honest item behind a forged one must not sign its person out.
      if (verified === 'skipped') return { status: 429, body: { detail: SKIPPED_AFTER_BAD_TOKENS }, retry_after: 1 };
      if (verified instanceof Error) return { status: 401, body: { detail: verified.message } };
      user = verified;
      const wait = await limits.userWait(user.username);
      if (wait > 0) return { status: 429, body: { detail: tooManyCheckinsByUser(wait) }, retry_after: wait };
    }
    const parsed = CheckinBatchItem.safeParse(raw);
    if (!parsed.success) return invalidItem(parsed.error);
    const item = parsed.data;
    // The scanning device's own address, as a trusted gateway passed it on (one budget across gateways).
    const clientWait = await limits.forwardedClientWait(batch.socket.remoteAddress ?? '', item.client_address);
    if (clientWait > 0) {
      return { status: 429, body: { detail: tooManyCheckinsFromAddress(clientWait) }, retry_after: clientWait };
    }
    const fields = fieldsOf(item, item.event_id, item.idempotency_key);
    let scan: ScanRequest;
    try {
      // A valid item always had its token verified above.
      scan = scanOf(config, user as AuthUser, fields, item.registered_event_only === true);
    } catch (error) {
      // A scan time out of bounds: this item's 422, as POST /checkins answers it.
      const { items } = error as { items?: ValidationItem[] };
      if (items) return { status: 422, body: { detail: items } };
      throw error;
    }
    // Read before any item was checked in (see the handler): no await here, so every item still
    // reaches the batcher in the same turn, in item order.
    const outsideEvent =
      scan.scannedAt === null ? undefined : eventScanTimeIssue(scan.scannedAt, times.get(scan.eventId));
    if (outsideEvent) return { status: 422, body: { detail: [outsideEvent] } };
    return checkinAnswer(
      await recordCheckin(options, withDeviceBound(scan, firstDownloads)),
      scan.requireRegisteredEvent,
    );
  }

  app.post(
    '/checkins/batch',
    {
      onRequest: limits.limitClient,
      validatorCompiler: envelopeOnly,
      schema: {
        tags: ['check-ins'],
        summary: 'Check in many tickets at once, each as its own POST /checkins (for gateways such as the portal)',
        description:
          'Each item carries the access token of the person scanning: it is verified per item (401 for that ' +
          'item only), checked_in_by is its sub, and the item is checked in exactly as POST /checkins would ' +
          '(registered_event_only: as POST /events/{event_id}/checkins), with its idempotency_key scoped to ' +
          'that user and shared with those endpoints. No Authorization header is needed. The answer is 200 ' +
          'with one {status, body} per item in item order, each exactly what the single request answers: ' +
          "201, 409, 404, 401, 422 or 429 (the item's user checked in too often: retry_after seconds; the " +
          'batch itself counts once for the sending address, and each item refused for its token once more). After ' +
          `${MAX_BAD_TOKENS_PER_BATCH} distinct invalid tokens, more than the valid ones, the items with tokens not yet seen are not verified: ` +
          "429 with retry_after 1 (send them again). A failure that is no item's own (the database unavailable: 503) " +
          'fails the whole batch; some items may have been checked in, so retry the same batch: every item ' +
          'has an idempotency key, and a checked-in item answers its first 201 again.',
        body: CheckinBatchBody,
        response: {
          200: CheckinBatchResults,
          422: ValidationErrorBody.describe('not a list of 1 to 200 items'),
          503: ErrorBody.describe('"Database unavailable": nothing answered, retry the same batch'),
        },
      },
    },
    async (request) => {
      // Validated as CheckinBatchEnvelope (see envelopeOnly): the items are still unchecked.
      const { checkins } = request.body as unknown as CheckinBatchEnvelope;
      // Every item is queued before any runs (the batcher groups what is queued in one turn), and
      // the answer waits for all of them, so a failed batch leaves nothing running behind it.
      const tokens = new BatchTokens(app);
      // The own times of the events the device-timed items name, read once before any item runs.
      const times = await eventTimesOf(options.db, checkins.filter(hasScanTime).map(eventIdOf));
      // And when their devices first downloaded those events' tickets (issue 15 item 12).
      const devices = checkins.map(deviceOf).filter((device) => device !== undefined);
      const firstDownloads = await firstDownloadsOf(options.db, devices);
      // A batch with a scan of another list or an exit (issue 16: an offline station's queue, in scan order) is
      // checked in item by item: an entry, an exit and a re-entry of one ticket apply in the order they happened.
      const settled = checkins.some(isGateItem)
        ? await settleInOrder(checkins, (raw) => checkInItem(raw, request, tokens, times, firstDownloads))
        : await Promise.allSettled(checkins.map((raw) => checkInItem(raw, request, tokens, times, firstDownloads)));
      const results: CheckinBatchResult[] = [];
      for (const outcome of settled) {
        if (outcome.status === 'rejected') {
          // The error handler's line about the failed batch names every item's request id.
          request.log = request.log.child({ request_ids: checkins.map((raw) => requestIdOf(raw) ?? null) });
          throw outcome.reason;
        }
        results.push(outcome.value);
      }
      // Every refused token is a request the address made (the batch itself counted once in onRequest).
      await limits.chargeClient(request.ip, tokens.refusedItems);
      return { results };
    },
  );

  const isTrustedGateway = trustedForwarder(config.trustProxy || undefined);
  app.post(
    '/checkins/delivered',
    {
      schema: {
        tags: ['check-ins'],
        summary: 'Mark the answers to key-less check-ins delivered (for gateways such as the portal)',
        description:
          'A gateway that made an idempotency key (gw:…) for a caller that sent none says here that it ' +
          'delivered the answer. Until then, a key-less retry of the same scan by the same account (through ' +
          'another gateway, after the first one died) is answered 201 as the first request was, not 409. ' +
          'Only from the addresses in TRUST_PROXY (403 otherwise).',
        body: DeliveredKeys,
        response: { 204: z.null(), 403: ErrorBody },
      },
    },
    async (request, reply) => {
      if (!isTrustedGateway(request.socket.remoteAddress ?? '')) {
        return reply.code(403).send({ detail: 'Only a gateway named in TRUST_PROXY may mark answers delivered' });
      }
      const { keys } = request.body;
      await options.db.query({
        name: 'gateway-keys-delivered',
        text: `DELETE FROM idempotency_keys
                WHERE (owner, key) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND key LIKE 'gw:%'`,
        values: [keys.map((entry) => entry.owner), keys.map((entry) => entry.key)],
      });
      return reply.code(204).send(null);
    },
  );
};

export default checkinBatchRoutes;

/** A scan the gate transaction answers (a list other than main, or an exit), as far as the raw item says. */
function isGateItem(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const item = raw as { list_id?: unknown; direction?: unknown };
  return (item.list_id !== undefined && item.list_id !== 'main') || item.direction === 'exit';
}

/** Runs `work` for each item one after the other, settled as Promise.allSettled settles them. */
async function settleInOrder<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const settled: PromiseSettledResult<R>[] = [];
  for (const item of items) {
    try {
      settled.push({ status: 'fulfilled', value: await work(item) });
    } catch (reason) {
      settled.push({ status: 'rejected', reason });
    }
  }
  return settled;
}
