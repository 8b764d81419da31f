// The station's decisions: every scan is stored on the device before it is answered; online it is answered by the
// server, and when the server has not answered within ONLINE_TIMEOUT_MS the station answers from the device and
// keeps the scan in its queue, which it sends by itself (in batches, each scan with its own key) once it can.
import { signal } from '@preact/signals';
import { decideScan, type GateList, MAIN_LIST } from '@tixgo/contracts/gate-rules';
import {
  conflictScans,
  type DownloadState,
  downloadState,
  findKnownCheckin,
  findListPass,
  findTicket,
  keepShownAnswer,
  recentShownAnswers,
  type StoredScan,
  saveScan,
  scansOfTicket,
  storedScan,
  waitingScans,
} from '../offline/device-store.js';
import { refreshListPasses, refreshTickets } from '../offline/ticket-download.js';
import {
  NoAnswer,
  newScan,
  type Refusal,
  type Scan,
  type ServerAnswer,
  sendScan,
  sendScanBatch,
} from './scan-client.js';
import type { StationList } from './station-settings.js';

/**
 * How long a scan waits for the server before the device answers it. A normal answer takes well
 * under 0.3 s and a slow mobile link 1-2 s; after 3 s the person at the gate starts to wonder and
 * the network is most likely gone, so the gate goes on from the device rather than stall the line.
 */
export const ONLINE_TIMEOUT_MS = 3000;
/** While offline (or with scans waiting): how often the station looks for the server again. */
const PROBE_EVERY_MS = 5000;
/** While online: how often the event's tickets are refreshed (only what changed is downloaded). */
const REFRESH_EVERY_MS = 60_000;
const UPLOAD_BATCH = 200;
/**
 * A code scanned again on this device within this long of letting its holder in is the same person at the same
 * gate — a scanner's double read (0.2 s apart) or a "did it beep?" — answered from memory in the green family,
 * never sent (the server would say amber, "already checked in by you").
 */
export const REPEAT_WINDOW_MS = 5000;

export type StationAnswer =
  | ({ source: 'server' } & ServerAnswer)
  /** Offline, a valid new code: the person was let in, the scan waits in the queue. */
  | { source: 'device'; kind: 'saved'; holderName: string | null }
  /** Offline, a code this device (or the last download) already knows as checked in. */
  | { source: 'device'; kind: 'seen'; at: string; by: string | null; gate: string | null; onThisDevice: boolean }
  /** Offline, a code the event did not issue (as of the last download). */
  | { source: 'device'; kind: 'unknown' }
  /** The same code again on this device within REPEAT_WINDOW_MS of letting its holder in: not sent. */
  | { source: 'device'; kind: 'repeat'; secondsAgo: number; holderName: string | null }
  /** Offline, an exit the rules allow: the person went out, the scan waits in the queue. */
  | { source: 'device'; kind: 'out'; holderName: string | null }
  /** Offline, a gate rule of the list refused (the same rule the server applies: decideScan). */
  | {
      source: 'device';
      kind: 'refused';
      refusal: Refusal;
      cancelReason: string | null;
      ticketType: string | null;
    };

/** Who the ticket is for, from the device's copy of the event: the green screen shows it, large (issue 17 item 2). */
export interface TicketHolder {
  name: string | null;
  type: string | null;
  /** An attention ticket's note: the station stops until the gate confirms it. */
  note: string | null;
}

export interface StationScanResult {
  ticketId: string;
  /** The holder as the device's copy knows them (undefined: not on the device). */
  holder?: TicketHolder | undefined;
  /** The scan's idempotency key: how the station finds it again once its queued upload has been answered. */
  scanKey: string;
  answer: StationAnswer;
}

/** One scan of the recent list as the device keeps it: the answer shown (if kept) and the scan as stored now. */
export interface RecentHere {
  key: string;
  /** When its answer was shown (or, a scan kept from before, when it was scanned). */
  at: string;
  result?: StationScanResult | undefined;
  scan?: StoredScan | undefined;
}

export class StationEngine {
  readonly mode = signal<'online' | 'offline'>(navigator.onLine ? 'online' : 'offline');
  /** Offline because the portal answered that the service behind it is down (the network is fine). */
  readonly serviceDown = signal(false);
  readonly waiting = signal(0);
  readonly lastSync = signal<string | undefined>(undefined);
  readonly download = signal<DownloadState | undefined>(undefined);
  /** The session ended: the queue waits for someone to sign in again. */
  readonly needsSignIn = signal(false);
  /** Scans the server answered with a conflict (a ticket admitted twice while offline). */
  readonly conflicts = signal<StoredScan[]>([]);
  /** People let in at this gate on the device's word whose scans the server has not yet counted. */
  readonly savedHere = signal(0);
  /** The queued scans the last upload got answers for, by key: the recent list shows what became of them. */
  readonly answered = signal<ReadonlyMap<string, StoredScan>>(new Map());

  private cleanups: (() => void)[] = [];
  /** The codes this device let in lately (or is letting in: the answer may be on its way), by ticket. */
  private readonly admittedLately = new Map<string, { at: number; result: Promise<StationScanResult> }>();
  private uploading: Promise<void> | undefined;
  private stopped = false;
  /** In or Out (issue 16): an exit lets the ticket out of the list. */
  readonly direction = signal<'entry' | 'exit'>('entry');
  /** The list scanned for (undefined: main) with its rules, as the station's settings keep them. */
  list: StationList | undefined;
  /** The signed-in person's role: a supervisor's override of a full list is decided offline too. */
  role = 'committee';

  constructor(
    private readonly eventId: string,
    private readonly gate: string,
    private readonly owner: string,
    /** The clock of the repeat window. */
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Starts the background work: looking for the server, sending the queue, refreshing the tickets. */
  start(): void {
    const wake = () => void this.probe();
    const lost = () => {
      this.mode.value = 'offline';
    };
    window.addEventListener('online', wake);
    window.addEventListener('offline', lost);
    const probing = window.setInterval(wake, PROBE_EVERY_MS);
    const refreshing = window.setInterval(() => void this.refresh(), REFRESH_EVERY_MS);
    this.cleanups.push(() => {
      window.removeEventListener('online', wake);
      window.removeEventListener('offline', lost);
      window.clearInterval(probing);
      window.clearInterval(refreshing);
    });
    void downloadState(this.eventId).then((state) => {
      this.download.value ??= state;
    });
    void this.countWaiting();
    void this.refresh();
    // Scans left from an earlier visit (a reload, a phone restart) go out first.
    void this.upload();
  }

  stop(): void {
    this.stopped = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  /** Checks a code in; the scan is on the device before this resolves, whatever the network does. */
  async scan(rawCode: string, options: { override?: boolean } = {}): Promise<StationScanResult> {
    const ticketId = await this.canonicalCode(rawCode.trim());
    // Out, or a supervisor's override: the scan goes as it is (no double-read window: that is for entries, and
    // after an exit the same code again is a re-entry).
    if (this.direction.value === 'exit' || options.override === true) {
      this.admittedLately.delete(ticketId);
      return this.checkIn(ticketId, options.override);
    }
    const lately = this.admittedLately.get(ticketId);
    if (lately && this.now() - lately.at < REPEAT_WINDOW_MS) {
      // A double read arrives while the first scan's answer is on its way: the first one decides.
      const first = await lately.result.catch(() => undefined);
      const admitted = first && admittedName(first.answer);
      if (admitted !== undefined) {
        // The server's green names nobody: the device's copy of the event does.
        const holder = first?.holder ?? (await this.holderOf(ticketId));
        const holderName = admitted ?? holder?.name ?? null;
        const secondsAgo = Math.max(0, Math.round((this.now() - lately.at) / 1000));
        return {
          ticketId,
          holder,
          scanKey: crypto.randomUUID(),
          answer: { source: 'device', kind: 'repeat', secondsAgo, holderName },
        };
      }
    }
    const at = this.now();
    const result = this.checkIn(ticketId);
    this.forgetOldAdmissions(at);
    this.admittedLately.set(ticketId, { at, result });
    return result;
  }

  private forgetOldAdmissions(now: number): void {
    for (const [ticketId, { at }] of this.admittedLately) {
      if (now - at >= REPEAT_WINDOW_MS) this.admittedLately.delete(ticketId);
    }
  }

  private async checkIn(ticketId: string, override = false): Promise<StationScanResult> {
    const scan = newScan(this.eventId, this.gate, ticketId, {
      listId: this.list?.id,
      direction: this.direction.value,
      override,
    });
    const stored: StoredScan = { ...scan, owner: this.owner, state: 'waiting' };
    // Looked up while the scan is on its way: the server's answer names nobody (compat shape), the device's copy does.
    const holder = this.holderOf(ticketId);
    await saveScan(stored);
    if (this.mode.value === 'online') {
      try {
        const answer = await sendWithin(scan, ONLINE_TIMEOUT_MS);
        await saveScan(settled(stored, answer));
        return { ticketId, holder: await holder, scanKey: scan.key, answer: { source: 'server', ...answer } };
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        if (error.reason === 'signed-out') this.needsSignIn.value = true;
        this.serviceDown.value = error.serviceDown;
        this.mode.value = 'offline';
      }
    }
    const answer = await this.judgeOnDevice(stored);
    void this.countWaiting();
    return { ticketId, holder: await holder, scanKey: scan.key, answer };
  }

  private async holderOf(ticketId: string): Promise<TicketHolder | undefined> {
    const ticket = await findTicket(this.eventId, ticketId).catch(() => undefined);
    return ticket ? { name: ticket.holderName, type: ticket.type ?? null, note: ticket.note ?? null } : undefined;
  }

  /**
   * The issued code a typed one stands for: codes are compared exactly (as the server does), but a code typed
   * by hand in lower case ("3689k4jdajmj") on a keyboard that does not capitalise is the issued upper-case code
   * when the event's tickets on the device know it and not the typed one.
   */
  private async canonicalCode(code: string): Promise<string> {
    const upper = code.toUpperCase();
    if (upper === code || !this.download.value?.hasTickets) return code;
    if (await findTicket(this.eventId, code)) return code;
    return (await findTicket(this.eventId, upper)) ? upper : code;
  }

  /**
   * Answers a scan from the device's copy of the event with the gate rules the server applies (decideScan): the
   * ticket (issued, its type, cancelled) from the last download, the list's rules from the station's settings, and
   * the ticket's state on the list from this device's own scans (and, for main, the check-ins downloaded). Stores
   * the decision before it is shown.
   */
  private async judgeOnDevice(scan: StoredScan): Promise<StationAnswer> {
    const listId = scan.listId ?? MAIN_LIST.id;
    const own = (await scansOfTicket(scan.eventId, scan.ticketId)).filter(
      (other) => other.key !== scan.key && (other.listId ?? MAIN_LIST.id) === listId,
    );
    // On a list other than main, the server's copy of the ticket's pass (what every station did there, as of
    // its download) is the start; this device's scans count on top when they came after it or wait to be sent.
    const server = listId === MAIN_LIST.id ? undefined : await findListPass(scan.eventId, listId, scan.ticketId);
    let entries = server?.entries ?? 0;
    let isInside = server?.inside ?? false;
    let lastEntry: StoredScan | undefined;
    for (const other of own) {
      // An answered scan the server's check-ins have replaced since (an undo): the device's copy decides.
      if (other.forgotten === true) continue;
      if (server && other.state !== 'waiting' && other.scannedAt < server.at) continue;
      const acted =
        other.admittedOffline ||
        other.outcome === 'checked-in' ||
        other.outcome === 'checked-out' ||
        other.outcome === 'duplicate';
      if (!acted) continue;
      if (other.direction === 'exit') {
        isInside = false;
        continue;
      }
      entries = other.outcome === 'duplicate' ? Math.max(entries, 1) : entries + 1;
      isInside = true;
      lastEntry = other;
    }
    const known = listId === MAIN_LIST.id ? await findKnownCheckin(scan.eventId, scan.ticketId) : undefined;
    if (known && entries === 0) {
      entries = 1;
      isInside = true;
    }
    const download = this.download.value ?? (await downloadState(scan.eventId));
    const ticket = await findTicket(scan.eventId, scan.ticketId);
    const cancelReason = ticket?.cancelReason ?? null;
    const decision = decideScan(
      {
        isValid: !download?.hasTickets || ticket !== undefined,
        type: ticket?.type ?? null,
        cancelled: cancelReason === null ? null : { reason: cancelReason },
      },
      { entries, isInside },
      gateListOf(this.list),
      await this.insideOnDevice(listId),
      {
        direction: scan.direction ?? 'entry',
        at: Date.parse(scan.scannedAt),
        role: this.role,
        override: scan.override,
      },
    );
    if (decision.verdict !== 'refuse') {
      // Let in (or out): the person went through on the device's word; the scan is sent later.
      await saveScan({ ...scan, admittedOffline: true, state: 'waiting' });
      void this.upload();
      const holderName = ticket?.holderName ?? null;
      return decision.verdict === 'exit'
        ? { source: 'device', kind: 'out', holderName }
        : { source: 'device', kind: 'saved', holderName };
    }
    await saveScan({ ...scan, state: 'refused' });
    switch (decision.reason) {
      case 'not-issued':
        return { source: 'device', kind: 'unknown' };
      case 'already-used':
      case 'already-inside':
        if (lastEntry) {
          return {
            source: 'device',
            kind: 'seen',
            at: lastEntry.scannedAt,
            by: null,
            gate: lastEntry.gate,
            onThisDevice: true,
          };
        }
        if (known) {
          return {
            source: 'device',
            kind: 'seen',
            at: known.at,
            by: known.by,
            gate: known.location,
            onThisDevice: false,
          };
        }
        break;
    }
    return {
      source: 'device',
      kind: 'refused',
      refusal: decision.reason as Refusal,
      cancelReason,
      ticketType: ticket?.type ?? null,
    };
  }

  /** Inside the list as last heard from the server, plus this device's entries less its exits since (waiting to be sent). */
  private async insideOnDevice(listId: string): Promise<number> {
    const waiting = (await waitingScans()).filter(
      (other) => other.eventId === this.eventId && other.admittedOffline && (other.listId ?? MAIN_LIST.id) === listId,
    );
    const delta = waiting.reduce((sum, other) => sum + (other.direction === 'exit' ? -1 : 1), 0);
    return Math.max(0, (this.list?.inside ?? 0) + delta);
  }

  /** The person signed in again after their session ended: the queue goes out now. */
  signedInAgain(): void {
    if (!this.needsSignIn.value) return;
    this.needsSignIn.value = false;
    void this.probe();
  }

  /** Looks for the server; when it answers, sends the queue and returns to online answers. */
  private async probe(): Promise<void> {
    if (this.stopped) return;
    if (this.mode.value === 'online' && this.waiting.value === 0) return;
    try {
      const response = await fetch('/health', { cache: 'no-store', signal: AbortSignal.timeout(ONLINE_TIMEOUT_MS) });
      if (!response.ok) return;
    } catch {
      this.serviceDown.value = false;
      this.mode.value = 'offline';
      return;
    }
    await this.upload();
    if (!this.needsSignIn.value && this.waiting.value === 0) this.mode.value = 'online';
  }

  /** Sends the waiting scans of the signed-in person, oldest first, in batches; one upload at a time (also across tabs). */
  upload(): Promise<void> {
    this.uploading ??= (async () => {
      const run = () => this.uploadWaiting();
      try {
        await (navigator.locks ? navigator.locks.request('tixgo-station-upload', run) : run());
      } finally {
        this.uploading = undefined;
      }
    })();
    return this.uploading;
  }

  private async uploadWaiting(): Promise<void> {
    const mine = (await waitingScans())
      .filter((scan) => scan.owner === this.owner)
      .sort((a, b) => a.scannedAt.localeCompare(b.scannedAt));
    for (let start = 0; start < mine.length && !this.stopped; start += UPLOAD_BATCH) {
      const batch = mine.slice(start, start + UPLOAD_BATCH);
      let answers: (ServerAnswer | NoAnswer)[];
      try {
        answers = await sendScanBatch(batch);
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        if (error.reason === 'signed-out') this.needsSignIn.value = true;
        else {
          this.serviceDown.value = error.serviceDown;
          this.mode.value = 'offline';
        }
        break;
      }
      this.needsSignIn.value = false;
      const done = new Map<string, StoredScan>();
      await Promise.all(
        batch.map((scan, index) => {
          const answer = answers[index];
          if (answer === undefined || answer instanceof NoAnswer) return undefined;
          const after = settled(scan, answer);
          done.set(scan.key, after);
          return saveScan(after);
        }),
      );
      this.answered.value = done;
      this.lastSync.value = new Date().toISOString();
      if (answers.some((answer) => answer instanceof NoAnswer)) break;
    }
    await this.countWaiting();
  }

  /** Downloads what changed in the event's tickets; a failure leaves the last copy in place. */
  private async refresh(): Promise<void> {
    if (this.stopped || this.mode.value === 'offline') return;
    try {
      this.download.value = await refreshTickets(this.eventId, (state) => {
        this.download.value = state;
      });
      // On an area or day list: what the other stations did there, for the offline answers (issue 16).
      if (this.list && this.list.id !== MAIN_LIST.id) await refreshListPasses(this.eventId, this.list.id);
    } catch {
      // Offline or the portal is away: the copy on the device keeps answering.
    }
  }

  /** The scans let in at this gate on the device's word that still wait for the server, newest first. */
  /** Keeps the answer shown for `result` on the device, so the recent list comes back after a reload (issue 17 item 17). */
  async keepShown(result: StationScanResult, at: string): Promise<void> {
    await keepShownAnswer({ key: result.scanKey, eventId: this.eventId, gate: this.gate, at, result }).catch(
      () => undefined,
    );
  }

  /**
   * The recent scans at this gate on this device, newest first, at most `limit`: each answer shown (with the scan
   * as stored now: a saved one may have been answered by the server since), and any scan still waiting from before
   * the answers were kept.
   */
  async recentHere(limit: number): Promise<RecentHere[]> {
    const shown = await recentShownAnswers(this.eventId, this.gate, limit).catch(() => []);
    const items: RecentHere[] = await Promise.all(
      shown.map(async (answer) => ({
        key: answer.key,
        at: answer.at,
        result: answer.result as StationScanResult,
        scan: await storedScan(answer.key).catch(() => undefined),
      })),
    );
    const known = new Set(items.map((item) => item.key));
    for (const scan of await this.savedScansHere()) {
      if (!known.has(scan.key)) items.push({ key: scan.key, at: scan.scannedAt, scan });
    }
    return items.sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit);
  }

  async savedScansHere(): Promise<StoredScan[]> {
    return (await waitingScans())
      .filter((scan) => this.isSavedHere(scan))
      .sort((a, b) => b.scannedAt.localeCompare(a.scannedAt));
  }

  private isSavedHere(scan: StoredScan): boolean {
    return scan.eventId === this.eventId && scan.gate === this.gate && scan.admittedOffline;
  }

  private async countWaiting(): Promise<void> {
    const waiting = await waitingScans();
    this.waiting.value = waiting.length;
    this.savedHere.value = waiting.filter((scan) => this.isSavedHere(scan)).length;
    this.conflicts.value = await conflictScans(this.eventId);
  }
}

/**
 * Sends a scan online, again with the same key after a quick failure (a lost answer is replayed by
 * the server, so the gate sees its green, never a false amber), until `budgetMs` is spent.
 */
async function sendWithin(scan: Scan, budgetMs: number): Promise<ServerAnswer> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await sendScan(scan, Math.max(200, deadline - Date.now()));
    } catch (error) {
      const pause = 150 * 2 ** attempt;
      const isQuickFailure = error instanceof NoAnswer && error.reason === 'unreachable';
      if (!isQuickFailure || Date.now() + pause >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** The holder's name (null when not known) when the answer let the person in; undefined when it did not. */
function admittedName(answer: StationAnswer): string | null | undefined {
  if (answer.source === 'server') return answer.kind === 'ok' ? null : undefined;
  return answer.kind === 'saved' || answer.kind === 'repeat' ? answer.holderName : undefined;
}

/** A stored scan after the server's answer. */
function settled(scan: StoredScan, answer: ServerAnswer): StoredScan {
  const sent = { ...scan, state: 'sent' as const, sentAt: new Date().toISOString() };
  switch (answer.kind) {
    case 'ok':
      return { ...sent, outcome: 'checked-in' };
    case 'out':
      return { ...sent, outcome: 'checked-out' };
    case 'refused':
      return { ...sent, outcome: answer.conflict ? 'conflict' : 'refused', refusal: answer.refusal };
    case 'duplicate':
      return {
        ...sent,
        outcome: answer.conflict ? 'conflict' : 'duplicate',
        // When the winner was at its gate (an offline gate's own scan time), as the amber answer says it.
        firstAt: answer.first.scanned_at ?? answer.first.checked_in_at,
        firstBy: answer.first.checked_in_by,
        firstGate: answer.first.location,
      };
    case 'unknown':
      return { ...sent, outcome: answer.conflict ? 'conflict' : 'unknown' };
    case 'scan-time':
      return { ...sent, outcome: 'scan-time' };
    case 'no-event':
    case 'invalid':
      return { ...sent, outcome: 'invalid' };
  }
}

/** The rules' view of the station's list (main when none is set). */
function gateListOf(list: StationList | undefined): GateList {
  if (!list || list.id === MAIN_LIST.id) return MAIN_LIST;
  return {
    id: list.id,
    reentry: list.reentry,
    capacity: list.capacity,
    ticketTypes: list.ticket_types,
    opensAt: list.opens_at === null ? null : Date.parse(list.opens_at),
    closesAt: list.closes_at === null ? null : Date.parse(list.closes_at),
  };
}
