// Which ticket codes an event accepts (spec: attendance, "Which tickets are valid"). Pure.
//
// The check-in statement evaluates the same rule in SQL (its insert is gated on it, so a
// rejected ticket never touches the table); this function reads the flags that statement
// returns and names the outcome. Keep the two in step: see the `ins` gate of
// CHECKIN_BATCH_SQL in checkins-repository.ts.

export interface EventFacts {
  /** An event row exists for the id. */
  isRegistered: boolean;
  /** The event has issued at least one ticket. */
  hasTickets: boolean;
  /** The ticket code is one of the event's issued tickets. */
  isIssued: boolean;
  /** The ticket was cancelled (issue 16). Optional: facts read before cancellations existed have none. */
  isCancelled?: boolean;
}

export type TicketVerdict = 'accept' | 'event-not-found' | 'ticket-not-found' | 'cancelled';

/**
 * - an event with issued tickets accepts only those;
 * - a registered event without tickets accepts any code (once);
 * - an unregistered id is accepted ad hoc (compat) unless registration is required;
 * - a cancelled ticket is refused (issue 16).
 */
export function judgeTicket(facts: EventFacts, requireRegisteredEvent: boolean): TicketVerdict {
  if (!facts.isRegistered) return requireRegisteredEvent ? 'event-not-found' : 'accept';
  if (facts.hasTickets && !facts.isIssued) return 'ticket-not-found';
  if (facts.isCancelled === true) return 'cancelled';
  return 'accept';
}
