// The gate's rules (issue 16): given a ticket, its state on a check-in list, the list, the direction and the
// caller's role, what the gate answers. Pure and dependency-free: attendance decides every list scan with it
// and the web station's offline mode decides from the device's copy with the very same function, so a device
// never lets in whom the server would refuse (and the other way round). Imported as
// '@tixgo/contracts/gate-rules' (no zod), so the station's bundle carries only this file.

/** The default list every event has: the compat one-entry rule every route without list_id uses. */
export const MAIN_LIST_ID = 'main';

export const DIRECTIONS = ['entry', 'exit'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** The roles a token may carry, least to most. */
export const GATE_ROLES = ['committee', 'supervisor', 'admin'] as const;
export type GateRole = (typeof GATE_ROLES)[number];

/** Undoes, overrides a full area, resolves conflicts: a supervisor or an admin. */
export function isSupervisorRole(role: string): boolean {
  return role === 'supervisor' || role === 'admin';
}

/** A check-in list (an area, a day) as the rules need it. Times in ms since the epoch. */
export interface GateList {
  id: string;
  reentry: boolean;
  capacity: number | null;
  /** Only these ticket types may enter; null: every type. */
  ticketTypes: readonly string[] | null;
  opensAt: number | null;
  closesAt: number | null;
}

/** The list `main`: once per ticket, no capacity, every type, always open. */
export const MAIN_LIST: GateList = {
  id: MAIN_LIST_ID,
  reentry: false,
  capacity: null,
  ticketTypes: null,
  opensAt: null,
  closesAt: null,
};

/** What is known of the scanned code. */
export interface GateTicket {
  /** The event takes this code: it issued it, or it takes any code (no tickets issued / ad hoc). */
  isValid: boolean;
  type: string | null;
  /** Set once an admin cancelled the ticket. */
  cancelled: { reason: string | null } | null;
}

/** The ticket's state on the list. */
export interface GatePass {
  /** Admissions that still count (annulled ones do not). */
  entries: number;
  isInside: boolean;
}

export const NO_PASS: GatePass = { entries: 0, isInside: false };

export interface GateScan {
  direction: Direction;
  /** When the person was at the gate (the device's scan time, else the time of receipt), ms since the epoch. */
  at: number;
  role: string;
  /** A supervisor lets the person into a full area anyway (recorded as overridden). */
  override?: boolean | undefined;
}

export type RefusalReason =
  | 'not-issued'
  | 'cancelled'
  | 'wrong-type'
  | 'not-open'
  | 'closed'
  /** A one-entry list: the ticket has entered already (compat "Ticket already checked in"). */
  | 'already-used'
  /** A re-entry list: the ticket is inside now. */
  | 'already-inside'
  | 'not-inside'
  | 'full';

export type GateDecision =
  | { verdict: 'admit'; overridden: boolean }
  | { verdict: 'exit' }
  | { verdict: 'refuse'; reason: RefusalReason };

/**
 * The rule, in the order a gate asks: is the code the event's, is it cancelled, may its type enter this
 * list, is the list open, has it entered already, is there room. An exit only asks whether the ticket is
 * inside: whoever is inside may always leave (cancelled or not, in or out of the list's hours).
 */
export function decideScan(
  ticket: GateTicket,
  pass: GatePass,
  list: GateList,
  insideNow: number,
  scan: GateScan,
): GateDecision {
  if (!ticket.isValid) return refuse('not-issued');
  if (scan.direction === 'exit') return pass.isInside ? { verdict: 'exit' } : refuse('not-inside');
  if (ticket.cancelled) return refuse('cancelled');
  if (list.ticketTypes !== null && (ticket.type === null || !list.ticketTypes.includes(ticket.type))) {
    return refuse('wrong-type');
  }
  if (list.opensAt !== null && scan.at < list.opensAt) return refuse('not-open');
  if (list.closesAt !== null && scan.at >= list.closesAt) return refuse('closed');
  if (pass.isInside) return refuse(list.reentry ? 'already-inside' : 'already-used');
  if (pass.entries > 0 && !list.reentry) return refuse('already-used');
  if (list.capacity !== null && insideNow >= list.capacity) {
    if (scan.override === true && isSupervisorRole(scan.role)) return { verdict: 'admit', overridden: true };
    return refuse('full');
  }
  return { verdict: 'admit', overridden: false };
}

function refuse(reason: RefusalReason): GateDecision {
  return { verdict: 'refuse', reason };
}

/** The HTTP status of a refusal: 404 for a code the event does not take, 409 for every other rule. */
export function refusalStatus(reason: RefusalReason): 404 | 409 {
  return reason === 'not-issued' ? 404 : 409;
}

/** The API's `detail` of a refusal (English; the UI words them in the page's language from `refusal`). */
export function refusalDetail(
  reason: RefusalReason,
  context: { type?: string | null; capacity?: number | null } = {},
): string {
  switch (reason) {
    case 'not-issued':
      return 'Ticket not found for this event';
    case 'cancelled':
      return 'Ticket cancelled';
    case 'wrong-type':
      return context.type
        ? `Ticket type ${context.type} may not enter this list`
        : 'A ticket without a type may not enter this list';
    case 'not-open':
      return 'This list is not open yet';
    case 'closed':
      return 'This list is closed';
    case 'already-used':
      return 'Ticket already checked in';
    case 'already-inside':
      return 'Ticket is already inside';
    case 'not-inside':
      return 'Ticket is not inside';
    case 'full':
      return context.capacity === null || context.capacity === undefined
        ? 'The area is full'
        : `The area is full (${context.capacity} inside)`;
  }
}
