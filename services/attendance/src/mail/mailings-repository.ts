// SQL of ticket mailings: a mailing and its addresses, the next addresses to send, each address's result.
import { randomUUID } from 'node:crypto';
import type { Mailing, MailingItem } from '@tixgo/contracts';
import type pg from 'pg';

interface MailingRow {
  mailing_id: string;
  event_id: string;
  requested_by: string;
  created_at: Date;
  finished_at: Date | null;
  total: number;
  sent: number;
  failed: number;
  waiting: number;
}

export interface WaitingItem {
  ticketId: string;
  email: string;
  holderName: string | null;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

function mailingOf(row: MailingRow): Mailing {
  return {
    mailing_id: row.mailing_id,
    event_id: row.event_id,
    requested_by: row.requested_by,
    created_at: row.created_at.toISOString(),
    finished_at: iso(row.finished_at),
    total: row.total,
    sent: row.sent,
    failed: row.failed,
    waiting: row.waiting,
  };
}

const SUMMARY = `
  SELECT m.mailing_id, m.event_id, m.requested_by, m.created_at, m.finished_at,
         count(i.ticket_id)::int AS total,
         count(*) FILTER (WHERE i.status = 'sent')::int AS sent,
         count(*) FILTER (WHERE i.status = 'failed')::int AS failed,
         count(*) FILTER (WHERE i.status IN ('waiting', 'sending'))::int AS waiting
    FROM ticket_mailings m LEFT JOIN ticket_mailing_items i USING (mailing_id)`;

/**
 * A new mailing of the event's tickets that have an e-mail address and are not cancelled (only `ticketIds`
 * when given), in one transaction; resolves with its id and how many addresses it has.
 */
export async function createMailing(
  db: pg.Pool,
  eventId: string,
  requestedBy: string,
  ticketIds: string[] | undefined,
): Promise<string> {
  const mailingId = randomUUID();
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO ticket_mailings (mailing_id, event_id, requested_by) VALUES ($1, $2, $3)', [
      mailingId,
      eventId,
      requestedBy,
    ]);
    await client.query(
      `INSERT INTO ticket_mailing_items (mailing_id, ticket_id, email)
       SELECT $1, ticket_id, holder_email FROM tickets
        WHERE event_id = $2 AND holder_email IS NOT NULL AND holder_email <> '' AND cancelled_at IS NULL
          AND ($3::text[] IS NULL OR ticket_id = ANY($3))`,
      [mailingId, eventId, ticketIds ?? null],
    );
    await client.query('COMMIT');
    return mailingId;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** One mailing of the event with its counts (and every address, failed first, with `withItems`). */
export async function getMailing(
  db: pg.Pool,
  eventId: string,
  mailingId: string,
  withItems: boolean,
): Promise<Mailing | undefined> {
  const { rows } = await db.query<MailingRow>(
    `${SUMMARY} WHERE m.event_id = $1 AND m.mailing_id = $2 GROUP BY m.mailing_id`,
    [eventId, mailingId],
  );
  if (!rows[0]) return undefined;
  const mailing = mailingOf(rows[0]);
  if (!withItems) return mailing;
  const items = await db.query<{
    ticket_id: string;
    email: string;
    status: MailingItem['status'] | 'sending';
    error: string | null;
    sent_at: Date | null;
  }>(
    `SELECT ticket_id, email, status, error, sent_at FROM ticket_mailing_items WHERE mailing_id = $1
      ORDER BY CASE status WHEN 'failed' THEN 0 WHEN 'sent' THEN 2 ELSE 1 END, ticket_id`,
    [mailingId],
  );
  return {
    ...mailing,
    items: items.rows.map((row) => ({
      ...row,
      status: row.status === 'sending' ? 'waiting' : row.status,
      sent_at: iso(row.sent_at),
    })),
  };
}

/** The event's mailings, newest first, with their counts. */
export async function listMailings(db: pg.Pool, eventId: string): Promise<Mailing[]> {
  const { rows } = await db.query<MailingRow>(
    `${SUMMARY} WHERE m.event_id = $1 GROUP BY m.mailing_id ORDER BY m.created_at DESC LIMIT 20`,
    [eventId],
  );
  return rows.map(mailingOf);
}

/** How long an address may stay claimed by a process before another takes it (the first one stopped). */
const CLAIM_EXPIRES = '5 minutes';

/**
 * Claims the next `limit` addresses of the mailing still waiting (or claimed by a process that stopped), with
 * the holder's name for the letter. SKIP LOCKED: two replicas taking up one mailing never send an address twice.
 */
export async function claimWaitingItems(db: pg.Pool, mailingId: string, limit: number): Promise<WaitingItem[]> {
  const { rows } = await db.query<{ ticket_id: string; email: string; holder_name: string | null }>(
    `WITH claimed AS (
       UPDATE ticket_mailing_items SET status = 'sending', claimed_at = now()
        WHERE (mailing_id, ticket_id) IN (
          SELECT mailing_id, ticket_id FROM ticket_mailing_items
           WHERE mailing_id = $1
             AND (status = 'waiting' OR (status = 'sending' AND claimed_at < now() - interval '${CLAIM_EXPIRES}'))
           ORDER BY ticket_id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING ticket_id, email)
     SELECT c.ticket_id, c.email, t.holder_name
       FROM claimed c
       JOIN ticket_mailings m ON m.mailing_id = $1
       LEFT JOIN tickets t ON t.event_id = m.event_id AND t.ticket_id = c.ticket_id
      ORDER BY c.ticket_id`,
    [mailingId, limit],
  );
  return rows.map((row) => ({ ticketId: row.ticket_id, email: row.email, holderName: row.holder_name }));
}

/** True while addresses of the mailing wait or are being sent (by this process or another). */
export async function hasUnsentItems(db: pg.Pool, mailingId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM ticket_mailing_items WHERE mailing_id = $1 AND status IN ('waiting', 'sending') LIMIT 1`,
    [mailingId],
  );
  return rows.length > 0;
}

export async function recordResult(
  db: pg.Pool,
  mailingId: string,
  ticketId: string,
  result: { sent: true } | { sent: false; error: string },
): Promise<void> {
  await db.query(
    `UPDATE ticket_mailing_items SET status = $3, error = $4, sent_at = CASE WHEN $3 = 'sent' THEN now() END
      WHERE mailing_id = $1 AND ticket_id = $2`,
    [mailingId, ticketId, result.sent ? 'sent' : 'failed', result.sent ? null : result.error.slice(0, 500)],
  );
}

export async function finishMailing(db: pg.Pool, mailingId: string): Promise<void> {
  await db.query('UPDATE ticket_mailings SET finished_at = now() WHERE mailing_id = $1', [mailingId]);
}

/** Mailings a stopped process left with addresses waiting: taken up again at start. */
export async function unfinishedMailings(db: pg.Pool): Promise<{ mailingId: string; eventId: string }[]> {
  const { rows } = await db.query<{ mailing_id: string; event_id: string }>(
    'SELECT mailing_id, event_id FROM ticket_mailings WHERE finished_at IS NULL ORDER BY created_at',
  );
  return rows.map((row) => ({ mailingId: row.mailing_id, eventId: row.event_id }));
}
