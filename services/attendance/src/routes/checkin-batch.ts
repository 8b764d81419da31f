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
  ErrorBody,
  REQUEST_ID_PATTERN,
  ValidationErrorBody,
} from '@tixgo/contracts';
import { type AuthUser, type ValidationItem, verifyAccessToken } from '@tixgo/platform';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { type FastifyPluginAsyncZod, validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodType, z } from 'zod';
import { tooManyCheckinsByUser, tooManyCheckinsFromAddress } from '../checkins/checkin-rate-limits.js';
import { recordCheckin, type ScanRequest } from '../checkins/record-checkin.js';
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

/** The item's own request id (its check-in's X-Request-Id at the portal) when it has an acceptable one. */
function requestIdOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { request_id: id } = item as { request_id?: unknown };
  return typeof id === 'string' && REQUEST_ID_PATTERN.test(id) ? id : undefined;
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
  async function checkInItem(raw: unknown, batch: FastifyRequest): Promise<CheckinBatchResult> {
    const result = await answerItem(raw, batch);
    logAnswer(batch, raw, result);
    return result;
  }

  async function answerItem(raw: unknown, batch: FastifyRequest): Promise<CheckinBatchResult> {
    const token = tokenOf(raw);
    let user: AuthUser | undefined;
    if (token !== undefined) {
      try {
        user = verifyAccessToken(app, token);
      } catch (error) {
        return { status: 401, body: { detail: (error as Error).message } };
      }
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
    return checkinAnswer(await recordCheckin(options, scan), scan.requireRegisteredEvent);
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
          "batch itself counts once for the sending address). A failure that is no item's own (the database unavailable: 503) " +
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
      const settled = await Promise.allSettled(checkins.map((raw) => checkInItem(raw, request)));
      const results: CheckinBatchResult[] = [];
      for (const outcome of settled) {
        if (outcome.status === 'rejected') {
          // The error handler's line about the failed batch names every item's request id.
          request.log = request.log.child({ request_ids: checkins.map((raw) => requestIdOf(raw) ?? null) });
          throw outcome.reason;
        }
        results.push(outcome.value);
      }
      return { results };
    },
  );
};

export default checkinBatchRoutes;
