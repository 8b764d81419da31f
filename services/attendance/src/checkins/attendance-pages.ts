// Pages of an event's attendance list and of a caller's own check-ins (keyset cursors, never OFFSET).
import { type AttendanceList, type CheckinRecord, PAGE_LIMITS } from '@tixgo/contracts';
import type pg from 'pg';
import { type CheckinRow, readCheckinSlice, readCheckinsBy, toRecord } from './checkins-repository.js';

export interface Page {
  limit: number;
  /** Position after which the page starts ('0': the beginning). */
  afterSeq: string;
}

/**
 * The records of a page read with one row more than its limit (that row only tells whether another
 * page follows, without counting), and the cursor of the next page: null on the last one.
 */
function pageOf(rows: CheckinRow[], page: Page): { records: CheckinRecord[]; nextCursor: string | null } {
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  // A page of limit 0 (the summary's) has no last record: the next page starts where this one did.
  return { records: shown.map(toRecord), nextCursor: more ? (shown.at(-1)?.seq ?? page.afterSeq) : null };
}

/** A page of an event's check-ins, oldest first; total_checked_in counts the whole event. */
export async function attendancePage(db: pg.Pool, eventId: string, page: Page): Promise<AttendanceList> {
  const { total, rows } = await readCheckinSlice(db, eventId, page.afterSeq, page.limit + 1);
  const { records, nextCursor } = pageOf(rows, page);
  return { event_id: eventId, total_checked_in: total, records, next_cursor: nextCursor };
}

/**
 * The caller's own check-ins (those of account `byUid`, optionally at one event), oldest first,
 * one page at a time: a gate that scanned 100k tickets must not get them all in one answer.
 * Without `page`, the first PAGE_LIMITS.max.
 */
export async function checkinsBy(
  db: pg.Pool,
  byUid: string,
  eventId: string | null,
  page: Page = { limit: PAGE_LIMITS.max, afterSeq: '0' },
): Promise<{ checkins: CheckinRecord[]; next_cursor: string | null }> {
  const rows = await readCheckinsBy(db, byUid, eventId, page.afterSeq, page.limit + 1);
  const { records, nextCursor } = pageOf(rows, page);
  return { checkins: records, next_cursor: nextCursor };
}
