// Pages of an event's attendance list and of a caller's own check-ins (keyset cursors, never OFFSET).
import { type AttendanceList, type CheckinRecord, PAGE_LIMITS } from '@tixgo/contracts';
import type pg from 'pg';
import { readCheckinSlice, readCheckinsBy, toRecord } from './checkins-repository.js';

export interface Page {
  limit: number;
  /** Position after which the page starts ('0': the beginning). */
  afterSeq: string;
}

/** A page of an event's check-ins, oldest first; total_checked_in counts the whole event. */
export async function attendancePage(db: pg.Pool, eventId: string, page: Page): Promise<AttendanceList> {
  // One row more than asked tells whether another page follows without counting.
  const { total, rows } = await readCheckinSlice(db, eventId, page.afterSeq, page.limit + 1);
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  return {
    event_id: eventId,
    total_checked_in: total,
    records: shown.map(toRecord),
    next_cursor: more ? (shown.at(-1)?.seq ?? page.afterSeq) : null,
  };
}

/**
 * The caller's own check-ins (optionally at one event), oldest first, one page at a time: a
 * gate that scanned 100k tickets must not get them all in one answer. Without `page`, the
 * first PAGE_LIMITS.max.
 */
export async function checkinsBy(
  db: pg.Pool,
  by: string,
  eventId: string | null,
  page: Page | undefined,
): Promise<{ checkins: CheckinRecord[]; next_cursor: string | null }> {
  const { limit, afterSeq } = page ?? { limit: PAGE_LIMITS.max, afterSeq: '0' };
  const rows = await readCheckinsBy(db, by, eventId, afterSeq, limit + 1);
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { checkins: shown.map(toRecord), next_cursor: more ? (shown.at(-1)?.seq ?? afterSeq) : null };
}
