// An event's tickets and check-ins for a gate device, page by page and then only what changed (issue 8).
//
// One cursor covers both streams: the device's position in the tickets (their issue order, `seq`),
// its position in the check-ins (`seq` too) with how many check-ins up to there it holds, and the
// event's creation time. Tickets of one event become visible in position order (issuing locks the
// event), so a ticket position never skips one. Check-ins do not: concurrent check-in statements
// draw positions in one order and may commit in another. So the position handed out stops before
// check-ins too recent to be sure of (SETTLE_SECONDS), and every request checks that the check-ins
// up to the device's position are as many as it holds; if one arrived late below it, the check-ins
// come again from the start (the device merges by ticket id). An event deleted and registered again
// under its id is a 410: the device's copy is of another event.
import type { OfflineCheckin, OfflineTicket, OfflineTickets } from '@tixgo/contracts';
import { httpError, httpErrors, validationError } from '@tixgo/platform';
import type pg from 'pg';
import { EVENT_NOT_FOUND } from '../events/events-repository.js';
import {
  type DownloadCheckinRow,
  type DownloadTicketRow,
  readCheckinsAfter,
  readDownloadFacts,
  readTicketsAfter,
} from './offline-repository.js';

interface Position {
  ticketSeq: string;
  checkinSeq: string;
  /** Check-ins with a position up to checkinSeq that the device holds. */
  checkinsHeld: number;
  /** The event's creation time (µs) when the download began; undefined on the first request. */
  createdUs: string | undefined;
}

const START: Position = { ticketSeq: '0', checkinSeq: '0', checkinsHeld: 0, createdUs: undefined };
const CURSOR = /^(\d{1,18})_(\d{1,18})_(\d{1,18})_(\d{1,18})$/;

export function encodeDownloadCursor(position: Required<Position>): string {
  return `${position.ticketSeq}_${position.checkinSeq}_${position.checkinsHeld}_${position.createdUs}`;
}

function decodeDownloadCursor(cursor: string | undefined): Position {
  if (cursor === undefined) return START;
  const match = CURSOR.exec(cursor);
  if (!match) {
    throw validationError([
      { loc: ['query', 'cursor'], msg: 'not a cursor returned by this API', type: 'value_error' },
    ]);
  }
  const [, ticketSeq, checkinSeq, held, createdUs] = match as unknown as [string, string, string, string, string];
  return { ticketSeq, checkinSeq, checkinsHeld: Number(held), createdUs };
}

export const EVENT_RECREATED = 'The event was deleted and registered again: download it again from the start';

/**
 * One page of the download after `cursor` (none: from the start), at most `limit` entries: tickets
 * first, then check-ins. `complete` says nothing more is there right now.
 */
export async function downloadForDevice(
  db: pg.Pool,
  eventId: string,
  cursor: string | undefined,
  limit: number,
): Promise<OfflineTickets> {
  const from = decodeDownloadCursor(cursor);
  const facts = await readDownloadFacts(db, eventId, from.checkinSeq);
  if (!facts) throw httpErrors.notFound(EVENT_NOT_FOUND);
  if (from.createdUs !== undefined && from.createdUs !== facts.createdUs) throw httpError(410, EVENT_RECREATED);
  let { checkinSeq, checkinsHeld } = from;
  // A check-in committed late with a position the device has passed, or one annulled (issue 16): all
  // check-ins again, and the device forgets the ones it kept (checkins_restarted).
  let restarted = false;
  if (facts.checkinsAfter !== null && facts.checkinsTotal - facts.checkinsAfter !== checkinsHeld) {
    checkinSeq = '0';
    checkinsHeld = 0;
    restarted = true;
  }

  const ticketRows = await readTicketsAfter(db, eventId, from.ticketSeq, limit + 1);
  const hasMoreTickets = ticketRows.length > limit;
  const tickets = hasMoreTickets ? ticketRows.slice(0, limit) : ticketRows;
  const room = limit - tickets.length;
  let checkinRows: DownloadCheckinRow[] = [];
  let hasMoreCheckins = true;
  if (!hasMoreTickets && room > 0) {
    const read = await readCheckinsAfter(db, eventId, checkinSeq, room + 1);
    hasMoreCheckins = read.length > room;
    checkinRows = hasMoreCheckins ? read.slice(0, room) : read;
  }
  const complete = !hasMoreTickets && !hasMoreCheckins;

  // A page that is not the last moves on past all it holds; the last stops before unsettled check-ins.
  const passed = complete ? checkinRows.findLastIndex((row) => row.settled) : checkinRows.length - 1;
  const next = {
    ticketSeq: tickets.at(-1)?.seq ?? from.ticketSeq,
    checkinSeq: checkinRows[passed]?.seq ?? checkinSeq,
    checkinsHeld: checkinsHeld + passed + 1,
    createdUs: facts.createdUs,
  };
  return {
    event_id: eventId,
    has_tickets: facts.ticketCount > 0,
    tickets: tickets.map(offlineTicketOf),
    checkins: checkinRows.map(
      (row): OfflineCheckin => [row.ticket_id, row.admitted_at, row.checked_in_by, row.location],
    ),
    next_cursor: encodeDownloadCursor(next),
    complete,
    ...(restarted && { checkins_restarted: true as const }),
  };
}

/** A ticket for the device: the type and the cancellation only where there are (compat: a plain one is a pair). */
function offlineTicketOf(row: DownloadTicketRow): OfflineTicket {
  if (row.note !== null) return [row.ticket_id, row.holder_name, row.type, row.cancel_reason, row.note];
  if (row.cancel_reason !== null) return [row.ticket_id, row.holder_name, row.type, row.cancel_reason];
  if (row.type !== null) return [row.ticket_id, row.holder_name, row.type];
  return [row.ticket_id, row.holder_name];
}
