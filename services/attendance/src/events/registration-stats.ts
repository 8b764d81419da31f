// An event's registration stats (spec: attendance, summary): what counts as registered, and the percentage.
import type { RegistrationStats } from '@tixgo/contracts';

/** What an event row knows about its registrations. */
export interface Registrations {
  ticket_count: number;
  capacity: number | null;
}

/**
 * total_registered: the tickets issued for the event; when none were issued, its capacity;
 * with neither, 0 (and the percentage is 0 rather than a division by zero).
 */
export function registrationStats(event: Registrations, checkedIn: number): RegistrationStats {
  const registered = event.ticket_count > 0 ? event.ticket_count : (event.capacity ?? 0);
  const percentage = registered > 0 ? Math.round((checkedIn / registered) * 10_000) / 100 : 0;
  return { total_registered: registered, total_checked_in: checkedIn, checkin_percentage: percentage };
}
