// A scan of a list other than `main`, or an exit (issue 16): one short transaction that reads the ticket's state
// under locks, asks the shared gate rules (decideScan, the offline station asks the same function), writes the
// outcome, its history line and (for a scan admitted offline that does not fit) a conflict, and keeps the answer
// under the scan's Idempotency-Key. The default entry to `main` never comes here: it stays the batched statement.
import { randomUUID } from 'node:crypto';
import type { CheckinRecord } from '@tixgo/contracts';
import {
  decideScan,
  type GateDecision,
  MAIN_LIST,
  MAIN_LIST_ID,
  type RefusalReason,
  refusalDetail,
  refusalStatus,
} from '@tixgo/contracts/gate-rules';
import type pg from 'pg';
import { EVENT_NOT_FOUND } from '../events/events-repository.js';
import { recordConflictWith } from './conflicts-repository.js';
import {
  addHistory,
  admitToList,
  exitFromList,
  lockList,
  lockMainAdmission,
  lockPass,
  readTicketFacts,
} from './gate-repository.js';
import { requestHash } from './idempotency.js';
import { judgeTicket } from './ticket-policy.js';

export const LIST_NOT_FOUND = 'Check-in list not found';

export interface GateScanRequest {
  eventId: string;
  ticketId: string;
  listId: string;
  direction: 'entry' | 'exit';
  location: string | null;
  scannedAt: string | null;
  admittedOffline: boolean;
  override: boolean;
  deviceId: string | null;
  by: string;
  /** The token's uid: idempotency keys belong to the account, never to a name registered again. */
  byUid: string;
  role: string;
  requireRegisteredEvent: boolean;
  idempotency?: { key: string; route: string; ttlSeconds: number } | undefined;
}

/** The answer as POST /checkins sends it. */
export interface GateAnswer {
  status: 201 | 404 | 409 | 422;
  body:
    | { status: 'checked_in' | 'checked_out'; record: CheckinRecord }
    | {
        detail: string;
        refusal?: Exclude<RefusalReason, 'not-issued'>;
        cancel_reason?: string | null;
        ticket_type?: string;
        conflict?: true;
      };
}

/** What labels the scan in /metrics. */
export type GateOutcomeLabel = 'created' | 'duplicate' | 'refused' | 'replayed' | 'key_reused';

export async function recordGateScan(
  db: pg.Pool,
  scan: GateScanRequest,
): Promise<{ answer: GateAnswer; label: GateOutcomeLabel }> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const hash = scan.idempotency && gateRequestHash(scan);
    if (scan.idempotency && hash) {
      const stored = await claimKey(client, scan, scan.idempotency, hash);
      if (stored !== 'claimed') {
        await client.query('ROLLBACK');
        return stored === 'key-reused'
          ? {
              answer: { status: 422, body: { detail: 'Idempotency-Key was already used for a different request' } },
              label: 'key_reused',
            }
          : { answer: stored, label: 'replayed' };
      }
    }
    const { answer, label } = await decideAndApply(client, scan);
    if (scan.idempotency) {
      await client.query({
        name: 'gate-key-answer',
        text: 'UPDATE idempotency_keys SET answer = $3 WHERE owner = $1 AND key = $2',
        values: [scan.byUid, scan.idempotency.key, JSON.stringify(answer)],
      });
    }
    await client.query('COMMIT');
    return { answer, label };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The list and direction are part of the request: the same key for another list or direction is another request. */
function gateRequestHash(scan: GateScanRequest): string | undefined {
  if (!scan.idempotency) return undefined;
  const base = requestHash(scan.idempotency.route, scan);
  return `${base}.${scan.listId}.${scan.direction}`;
}

/**
 * Claims the key in this transaction (a concurrent repeat waits on its unique index until this commits),
 * or answers what the first request answered.
 */
async function claimKey(
  client: pg.PoolClient,
  scan: GateScanRequest,
  keyed: NonNullable<GateScanRequest['idempotency']>,
  hash: string,
): Promise<'claimed' | 'key-reused' | GateAnswer> {
  const claimed = await client.query({
    name: 'gate-claim-key',
    text: `INSERT INTO idempotency_keys AS k (owner, key, request_hash, checkin_id, event_id, ticket_id)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (owner, key) DO UPDATE
             SET request_hash = EXCLUDED.request_hash, checkin_id = EXCLUDED.checkin_id, event_id = EXCLUDED.event_id,
                 ticket_id = EXCLUDED.ticket_id, created_at = now(), answer = NULL
             WHERE k.created_at < now() - make_interval(secs => $7::double precision)
           RETURNING key`,
    values: [scan.byUid, keyed.key, hash, randomUUID(), scan.eventId, scan.ticketId, keyed.ttlSeconds],
  });
  if (claimed.rowCount === 1) return 'claimed';
  const { rows } = await client.query<{ request_hash: string; answer: GateAnswer | null }>({
    name: 'gate-read-key',
    text: 'SELECT request_hash, answer FROM idempotency_keys WHERE owner = $1 AND key = $2',
    values: [scan.byUid, keyed.key],
  });
  const row = rows[0];
  if (!row || row.request_hash !== hash || row.answer === null) return 'key-reused';
  return row.answer;
}

async function decideAndApply(
  client: pg.PoolClient,
  scan: GateScanRequest,
): Promise<{ answer: GateAnswer; label: GateOutcomeLabel }> {
  const isMain = scan.listId === MAIN_LIST_ID;
  const list = isMain ? { gate: MAIN_LIST, capacity: null, inside: 0 } : await lockedList(client, scan);
  if (!list) return { answer: { status: 404, body: { detail: LIST_NOT_FOUND } }, label: 'refused' };
  const facts = await readTicketFacts(client, scan.eventId, scan.ticketId);
  const verdict = judgeTicket(
    { isRegistered: facts.isRegistered, hasTickets: facts.hasTickets, isIssued: facts.isIssued },
    scan.requireRegisteredEvent,
  );
  if (verdict === 'event-not-found') {
    return { answer: { status: 404, body: { detail: EVENT_NOT_FOUND } }, label: 'refused' };
  }
  const pass = isMain ? await mainPass(client, scan) : await lockPass(client, scan.eventId, scan.listId, scan.ticketId);
  const at = scan.scannedAt ?? new Date().toISOString();
  const ticket = {
    isValid: verdict === 'accept',
    type: facts.type,
    cancelled: facts.cancelledAt === null ? null : { reason: facts.cancelReason },
  };
  const decision = decideScan(ticket, pass, list.gate, list.inside, {
    direction: scan.direction,
    at: Date.parse(at),
    role: scan.role,
    override: scan.override,
  });
  const checkinId = randomUUID();
  const history = {
    eventId: scan.eventId,
    ticketId: scan.ticketId,
    listId: scan.listId,
    direction: scan.direction,
    by: scan.by,
    scannedAt: scan.scannedAt,
    location: scan.location,
    deviceId: scan.deviceId,
    offline: scan.admittedOffline,
  };
  // Admitted offline, a full list is a fact: the person is inside. It counts (and is a conflict to look at).
  const isOfflineFull = isRefusal(decision, 'full') && scan.admittedOffline;
  if (decision.verdict === 'admit' || isOfflineFull) {
    // An entry to `main` is the batched statement's (recordCheckin never sends one here).
    if (isMain) throw new Error('an entry to the list main reached the gate transaction');
    const overridden = decision.verdict === 'admit' && decision.overridden;
    await admitToList(client, scan.eventId, scan.listId, scan.ticketId, checkinId, pass.entries === 0);
    const receivedAt = await addHistory(client, {
      ...history,
      action: 'entry',
      checkinId,
      refusal: null,
      detail: null,
      reason: null,
      overridden,
    });
    if (isOfflineFull) await conflict(client, scan, 'full', null);
    const record = recordOf(scan, checkinId, receivedAt, overridden);
    if (isOfflineFull) {
      return {
        answer: { status: 409, body: { detail: refusalDetail('full', list), refusal: 'full', conflict: true } },
        label: 'duplicate',
      };
    }
    return { answer: { status: 201, body: { status: 'checked_in', record } }, label: 'created' };
  }
  if (decision.verdict === 'exit') {
    await exitFromList(client, scan.eventId, scan.listId, scan.ticketId);
    const receivedAt = await addHistory(client, {
      ...history,
      action: 'exit',
      checkinId,
      refusal: null,
      detail: null,
      reason: null,
      overridden: false,
    });
    return {
      answer: { status: 201, body: { status: 'checked_out', record: recordOf(scan, checkinId, receivedAt, false) } },
      label: 'created',
    };
  }
  const { reason } = decision;
  const detail = refusalDetail(reason, { type: facts.type, capacity: list.capacity });
  await addHistory(client, {
    ...history,
    action: 'refused',
    checkinId: null,
    refusal: reason,
    detail,
    reason: null,
    overridden: false,
  });
  // The device already acted on it (let the person in, or out): a refusal is a conflict for a supervisor.
  const isConflict = scan.admittedOffline;
  if (isConflict) {
    await conflict(
      client,
      scan,
      reason === 'already-used' ? 'duplicate' : reason,
      'lastCheckinId' in pass ? pass.lastCheckinId : pass.checkinId,
    );
  }
  const status = refusalStatus(reason);
  if (reason === 'not-issued') {
    return {
      answer: { status, body: { detail, ...(isConflict && { conflict: true as const }) } },
      label: 'refused',
    };
  }
  return {
    answer: {
      status,
      body: {
        detail,
        refusal: reason,
        ...(reason === 'cancelled' && { cancel_reason: facts.cancelReason }),
        ...(facts.type !== null && { ticket_type: facts.type }),
        ...(isConflict && { conflict: true as const }),
      },
    },
    label: reason === 'already-used' || reason === 'already-inside' ? 'duplicate' : 'refused',
  };
}

function isRefusal(decision: GateDecision, reason: RefusalReason): boolean {
  return decision.verdict === 'refuse' && decision.reason === reason;
}

async function lockedList(client: pg.PoolClient, scan: GateScanRequest) {
  const list = await lockList(client, scan.eventId, scan.listId);
  if (!list) return undefined;
  return {
    gate: {
      id: list.id,
      reentry: list.reentry,
      capacity: list.capacity,
      ticketTypes: list.ticket_types,
      opensAt: list.opens_at === null ? null : Date.parse(list.opens_at),
      closesAt: list.closes_at === null ? null : Date.parse(list.closes_at),
    },
    capacity: list.capacity,
    inside: list.inside,
  };
}

/** `main`'s state: its checkins row is the one admission, its exit mark says whether the ticket went out. */
async function mainPass(client: pg.PoolClient, scan: GateScanRequest) {
  const admission = await lockMainAdmission(client, scan.eventId, scan.ticketId);
  return {
    entries: admission ? 1 : 0,
    isInside: admission !== undefined && !admission.exited,
    checkinId: admission?.checkinId ?? null,
  };
}

async function conflict(
  client: pg.PoolClient,
  scan: GateScanRequest,
  kind: Parameters<typeof recordConflictWith>[1]['kind'],
  firstCheckinId: string | null,
): Promise<void> {
  await recordConflictWith(client, {
    eventId: scan.eventId,
    ticketId: scan.ticketId,
    kind,
    listId: scan.listId === MAIN_LIST_ID ? null : scan.listId,
    firstCheckinId,
    secondBy: scan.by,
    secondLocation: scan.location,
    secondScannedAt: scan.scannedAt,
    secondKey: scan.idempotency?.key,
  });
}

function recordOf(scan: GateScanRequest, checkinId: string, receivedAt: string, overridden: boolean): CheckinRecord {
  const record: CheckinRecord = {
    event_id: scan.eventId,
    ticket_id: scan.ticketId,
    checked_in_by: scan.by,
    checked_in_at: receivedAt,
    checkin_id: checkinId,
    location: scan.location,
  };
  if (scan.scannedAt !== null) record.scanned_at = scan.scannedAt;
  if (scan.listId !== MAIN_LIST_ID) record.list_id = scan.listId;
  if (scan.direction === 'exit') record.direction = 'exit';
  if (overridden) record.overridden = true;
  return record;
}
