// Reading the paging query (`limit`, `cursor`) of list endpoints; a cursor this API did not issue is a 422.
import { hasControlCharacters, PAGE_LIMITS } from '@tixgo/contracts';
import { validationError } from '@tixgo/platform';
import type { Page } from '../checkins/attendance-pages.js';

const invalidCursor = () =>
  validationError([{ loc: ['query', 'cursor'], msg: 'not a cursor returned by this API', type: 'value_error' }]);

/** Check-in lists: the cursor is the position of the last record shown. */
export function checkinPage(query: { limit?: number | undefined; cursor?: string | undefined }): Page | undefined {
  if (query.limit === undefined && query.cursor === undefined) return undefined;
  const cursor = query.cursor ?? '0';
  if (!/^\d{1,18}$/.test(cursor)) throw invalidCursor();
  return { limit: query.limit ?? PAGE_LIMITS.default, afterSeq: cursor };
}

/** Ticket lists: the cursor is the last ticket id shown, base64url-encoded. */
export function encodeTicketCursor(ticketId: string): string {
  return Buffer.from(ticketId, 'utf8').toString('base64url');
}

export function decodeTicketCursor(cursor: string | undefined): string {
  if (cursor === undefined) return '';
  const ticketId = Buffer.from(cursor, 'base64url').toString('utf8');
  if (ticketId === '' || hasControlCharacters(ticketId) || encodeTicketCursor(ticketId) !== cursor) {
    throw invalidCursor();
  }
  return ticketId;
}

/** Ticket lists as issued: the cursor is the last position (tickets.seq) shown, base64url-encoded. */
export function encodeSeqCursor(seq: string): string {
  return Buffer.from(`#${seq}`, 'utf8').toString('base64url');
}

export function decodeSeqCursor(cursor: string | undefined): string {
  if (cursor === undefined) return '0';
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^#\d{1,19}$/.test(text) || encodeSeqCursor(text.slice(1)) !== cursor) throw invalidCursor();
  return text.slice(1);
}

/** Past every position: where a newest-first list starts. */
const AFTER_EVERY_POSITION = '9223372036854775807';

/** Newest-first check-in lists: the cursor is the position of the last (oldest) record shown. */
export function beforePosition(cursor: string | undefined): string {
  if (cursor === undefined) return AFTER_EVERY_POSITION;
  if (!/^\d{1,18}$/.test(cursor)) throw invalidCursor();
  return cursor;
}
