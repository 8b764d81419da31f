// What the station keeps on the device (IndexedDB, through idb): the event's tickets and known check-ins
// for offline answers, and every scan with its idempotency key until the server has answered it.
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

/** One scan, stored before its answer is shown; it leaves the queue only once the server has answered it. */
export interface StoredScan {
  key: string;
  eventId: string;
  ticketId: string;
  gate: string;
  /** When the device scanned it (sent as scanned_at). */
  scannedAt: string;
  /** Who was signed in: the scan is sent in their name only. */
  owner: string;
  /** The gate let the person in (or, an exit, out) without the server's answer ("saved on this device"). */
  admittedOffline: boolean;
  /** The check-in list (issue 16); absent: main. */
  listId?: string | undefined;
  /** absent: entry. */
  direction?: 'entry' | 'exit' | undefined;
  override?: boolean | undefined;
  /**
   * waiting: to be sent; sent: the server answered (see `outcome`); refused: answered red or amber on
   * the device while offline, so nobody was admitted and there is nothing to send.
   */
  state: 'waiting' | 'sent' | 'refused';
  outcome?: 'checked-in' | 'checked-out' | 'duplicate' | 'conflict' | 'unknown' | 'invalid' | 'refused' | 'scan-time';
  /** For a gate rule's refusal (issue 16), which rule. */
  refusal?: string | undefined;
  /** For a conflict: the earlier check-in that won, as the server said it. */
  firstAt?: string;
  firstBy?: string;
  firstGate?: string | null;
  sentAt?: string;
  /**
   * The server sent its check-ins again from the start since (one was annulled, issue 16): the device's copy
   * of them is the truth now, so this scan no longer says "already in" offline.
   */
  forgotten?: boolean;
}

export interface KnownTicket {
  eventId: string;
  ticketId: string;
  holderName: string | null;
  /** The ticket type (issue 16), when it has one. */
  type?: string | null | undefined;
  /** Set when an admin cancelled the ticket: why. */
  cancelReason?: string | null | undefined;
  /** An attention ticket's note for the gate (issue 17 item 9). */
  note?: string | null | undefined;
}

export interface KnownCheckin {
  eventId: string;
  ticketId: string;
  at: string;
  by: string;
  location: string | null;
}

export interface DownloadState {
  eventId: string;
  cursor: string | null;
  hasTickets: boolean;
  complete: boolean;
  ticketCount: number;
  downloadedAt: string;
}

/**
 * A ticket's state on a list other than main as the server last said (issue 16): what the other stations did
 * there. The row with an empty ticket id says when that copy of the list was asked for (`at`, device time).
 */
export interface KnownPass {
  eventId: string;
  listId: string;
  ticketId: string;
  entries: number;
  inside: boolean;
  at?: string;
}

/**
 * The answer the station showed for a scan (issue 17 item 17): kept so that the recent list comes back after a
 * reload with its colours and times. `result` is the station's own plain data (StationScanResult), worded again
 * when shown, so a language switch rewords it.
 */
export interface ShownAnswer {
  /** The scan's key (a double read, never sent, has a key of its own). */
  key: string;
  eventId: string;
  gate: string;
  /** When the answer was shown (ISO). */
  at: string;
  result: unknown;
}

/** How many shown answers the device keeps per event and gate: the recent list shows fewer. */
const SHOWN_KEPT = 50;

interface StationDb extends DBSchema {
  scans: { key: string; value: StoredScan; indexes: { byTicket: [string, string]; byState: string } };
  tickets: { key: [string, string]; value: KnownTicket };
  checkins: { key: [string, string]; value: KnownCheckin };
  downloads: { key: string; value: DownloadState };
  passes: { key: [string, string, string]; value: KnownPass };
  answers: { key: string; value: ShownAnswer; indexes: { byGate: [string, string, string] } };
}

let database: Promise<IDBPDatabase<StationDb>> | undefined;

export function stationDb(): Promise<IDBPDatabase<StationDb>> {
  // Version 3 adds the shown answers (issue 17 item 17); a device upgraded keeps its queue and its copy.
  database ??= openDB<StationDb>('tixgo-station', 3, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const scans = db.createObjectStore('scans', { keyPath: 'key' });
        scans.createIndex('byTicket', ['eventId', 'ticketId']);
        scans.createIndex('byState', 'state');
        db.createObjectStore('tickets', { keyPath: ['eventId', 'ticketId'] });
        db.createObjectStore('checkins', { keyPath: ['eventId', 'ticketId'] });
        db.createObjectStore('downloads', { keyPath: 'eventId' });
      }
      // Version 2 (issue 16): the passes of the list a station scans for, when it is not main.
      if (oldVersion < 2) db.createObjectStore('passes', { keyPath: ['eventId', 'listId', 'ticketId'] });
      if (oldVersion < 3) {
        db.createObjectStore('answers', { keyPath: 'key' }).createIndex('byGate', ['eventId', 'gate', 'at']);
      }
    },
  });
  return database;
}

/** Keeps the answer shown for a scan; the oldest beyond SHOWN_KEPT at its event and gate go. */
export async function keepShownAnswer(shown: ShownAnswer): Promise<void> {
  const db = await stationDb();
  const tx = db.transaction('answers', 'readwrite');
  void tx.store.put(shown);
  const range = IDBKeyRange.bound([shown.eventId, shown.gate, ''], [shown.eventId, shown.gate, '\uffff']);
  let cursor = await tx.store.index('byGate').openCursor(range, 'prev');
  let seen = 0;
  while (cursor) {
    seen += 1;
    if (seen > SHOWN_KEPT) void cursor.delete();
    cursor = await cursor.continue();
  }
  await tx.done;
}

/** The answers last shown at the event's gate on this device, newest first, at most `limit`. */
export async function recentShownAnswers(eventId: string, gate: string, limit: number): Promise<ShownAnswer[]> {
  const db = await stationDb();
  const range = IDBKeyRange.bound([eventId, gate, ''], [eventId, gate, '\uffff']);
  const found: ShownAnswer[] = [];
  let cursor = await db.transaction('answers').store.index('byGate').openCursor(range, 'prev');
  while (cursor && found.length < limit) {
    found.push(cursor.value);
    cursor = await cursor.continue();
  }
  return found;
}

/** One stored scan by its key. */
export async function storedScan(key: string): Promise<StoredScan | undefined> {
  return (await stationDb()).get('scans', key);
}

export async function saveScan(scan: StoredScan): Promise<void> {
  await (await stationDb()).put('scans', scan);
}

export async function waitingScans(): Promise<StoredScan[]> {
  return (await stationDb()).getAllFromIndex('scans', 'byState', 'waiting');
}

/** Scans of this device for one ticket, oldest first. */
export async function scansOfTicket(eventId: string, ticketId: string): Promise<StoredScan[]> {
  const found = await (await stationDb()).getAllFromIndex('scans', 'byTicket', [eventId, ticketId]);
  return found.sort((a, b) => a.scannedAt.localeCompare(b.scannedAt));
}

export async function conflictScans(eventId: string): Promise<StoredScan[]> {
  const sent = await (await stationDb()).getAllFromIndex('scans', 'byState', 'sent');
  return sent.filter((scan) => scan.eventId === eventId && scan.outcome === 'conflict');
}

export async function findTicket(eventId: string, ticketId: string): Promise<KnownTicket | undefined> {
  return (await stationDb()).get('tickets', [eventId, ticketId]);
}

export async function findKnownCheckin(eventId: string, ticketId: string): Promise<KnownCheckin | undefined> {
  return (await stationDb()).get('checkins', [eventId, ticketId]);
}

export async function downloadState(eventId: string): Promise<DownloadState | undefined> {
  return (await stationDb()).get('downloads', eventId);
}

/** A ticket the device's copy finds for a name search, with the check-in the device knows of (if any). */
export interface DeviceSearchHit {
  ticketId: string;
  holderName: string | null;
  checkedInAt: string | null;
}

/**
 * The event's tickets on this device whose holder name or code contains `text` (any case), at most `limit`,
 * in code order: the name search without the server. One pass over the event's tickets with a cursor, stopped
 * at `limit`; the check-ins of the hits from the download and from this device's own admissions.
 */
export async function searchDeviceTickets(eventId: string, text: string, limit: number): Promise<DeviceSearchHit[]> {
  const needle = text.toLocaleLowerCase();
  const db = await stationDb();
  const tx = db.transaction(['tickets', 'checkins', 'scans'], 'readonly');
  const found: KnownTicket[] = [];
  let cursor = await tx.objectStore('tickets').openCursor(IDBKeyRange.bound([eventId, ''], [eventId, '\uffff']));
  while (cursor && found.length < limit) {
    const ticket = cursor.value;
    if (
      ticket.ticketId.toLocaleLowerCase().includes(needle) ||
      (ticket.holderName?.toLocaleLowerCase().includes(needle) ?? false)
    ) {
      found.push(ticket);
    }
    cursor = await cursor.continue();
  }
  const hits = await Promise.all(
    found.map(async (ticket) => {
      const known = await tx.objectStore('checkins').get([eventId, ticket.ticketId]);
      const here = (await tx.objectStore('scans').index('byTicket').getAll([eventId, ticket.ticketId])).find(
        (scan) => scan.admittedOffline || scan.outcome === 'checked-in',
      );
      return {
        ticketId: ticket.ticketId,
        holderName: ticket.holderName,
        checkedInAt: known?.at ?? here?.scannedAt ?? null,
      };
    }),
  );
  await tx.done;
  return hits;
}

/** One downloaded page: its tickets and check-ins and the new position, in one transaction. */
export async function storeDownloadPage(
  state: DownloadState,
  tickets: KnownTicket[],
  checkins: KnownCheckin[],
  /** The server sends the check-ins again from the start (one was annulled): the kept ones go first. */
  restartCheckins = false,
): Promise<void> {
  const db = await stationDb();
  const tx = db.transaction(['tickets', 'checkins', 'downloads'], 'readwrite');
  const ticketStore = tx.objectStore('tickets');
  const checkinStore = tx.objectStore('checkins');
  if (restartCheckins) void checkinStore.delete(IDBKeyRange.bound([state.eventId, ''], [state.eventId, '\uffff']));
  for (const ticket of tickets) void ticketStore.put(ticket);
  for (const checkin of checkins) void checkinStore.put(checkin);
  void tx.objectStore('downloads').put(state);
  await tx.done;
}

/** Forgets an event's downloaded tickets (the event was deleted, or the device was set up for another one). */
export async function dropEventData(eventId: string): Promise<void> {
  const db = await stationDb();
  const tx = db.transaction(['tickets', 'checkins', 'downloads', 'passes'], 'readwrite');
  const range = IDBKeyRange.bound([eventId, ''], [eventId, '\uffff']);
  await Promise.all([
    tx.objectStore('tickets').delete(range),
    tx.objectStore('checkins').delete(range),
    tx.objectStore('downloads').delete(eventId),
    tx.objectStore('passes').delete(IDBKeyRange.bound([eventId, '', ''], [eventId, '\uffff', '\uffff'])),
  ]);
  await tx.done;
}

/** Marks the event's answered scans of the list main as forgotten (see StoredScan.forgotten). */
export async function forgetSentScans(eventId: string): Promise<void> {
  const db = await stationDb();
  const tx = db.transaction('scans', 'readwrite');
  const sent = await tx.store.index('byState').getAll('sent');
  for (const scan of sent) {
    if (scan.eventId === eventId && (scan.listId === undefined || scan.listId === 'main') && !scan.forgotten) {
      void tx.store.put({ ...scan, forgotten: true });
    }
  }
  await tx.done;
}

/** Replaces the device's copy of a list's passes with the server's, noting when it was asked for (`at`). */
export async function storeListPasses(
  eventId: string,
  listId: string,
  passes: [string, number, boolean][],
  at: string,
): Promise<void> {
  const db = await stationDb();
  const tx = db.transaction('passes', 'readwrite');
  void tx.store.delete(IDBKeyRange.bound([eventId, listId, ''], [eventId, listId, '\uffff']));
  void tx.store.put({ eventId, listId, ticketId: '', entries: 0, inside: false, at });
  for (const [ticketId, entries, inside] of passes) void tx.store.put({ eventId, listId, ticketId, entries, inside });
  await tx.done;
}

/**
 * The server's word on a ticket's state on a list (as of `at`, device time), or undefined when the device never
 * got the list's passes.
 */
export async function findListPass(
  eventId: string,
  listId: string,
  ticketId: string,
): Promise<{ at: string; entries: number; inside: boolean } | undefined> {
  const db = await stationDb();
  const meta = await db.get('passes', [eventId, listId, '']);
  if (!meta?.at) return undefined;
  const pass = await db.get('passes', [eventId, listId, ticketId]);
  return { at: meta.at, entries: pass?.entries ?? 0, inside: pass?.inside ?? false };
}
