// The bounds of a device's scan time (scanned_at): not ahead of the server's clock, not too old, within the event's own times. Pure.
import type { ValidationItem } from '@tixgo/platform';

/**
 * How far a device's clock may run ahead of the server's: phones set their clocks from the network,
 * so a few seconds is usual and two minutes is generous; a scan "from the future" beyond that is a
 * wrong clock, and storing it would put the scan after its own upload.
 */
export const SCAN_CLOCK_SKEW_MS = 2 * 60_000;

export interface ScanTimeBounds {
  /** OFFLINE_SCAN_MAX_AGE_HOURS. */
  maxAgeHours: number;
}

/**
 * The scan time as stored and answered: UTC with milliseconds, the text iso_utc() gives back, so an
 * answer built here and one read from the database later never differ.
 */
export function normaliseScanTime(value: string): string {
  return new Date(value).toISOString();
}

/** Why `scannedAt` (already a valid ISO-8601 time with an offset) is refused, or undefined when it is in bounds. */
export function scanTimeIssue(
  scannedAt: string,
  bounds: ScanTimeBounds,
  now: number = Date.now(),
): ValidationItem | undefined {
  const at = Date.parse(scannedAt);
  const issue = (msg: string): ValidationItem => ({ loc: ['body', 'scanned_at'], msg, type: 'value_error' });
  if (Number.isNaN(at)) return issue('not a time');
  if (at > now + SCAN_CLOCK_SKEW_MS) {
    return issue(`must not be later than the server's time plus ${SCAN_CLOCK_SKEW_MS / 60_000} minutes`);
  }
  if (at < now - bounds.maxAgeHours * 3600_000) {
    return issue(`must not be more than ${bounds.maxAgeHours} hours old (OFFLINE_SCAN_MAX_AGE_HOURS)`);
  }
  return undefined;
}

/**
 * How long before its start and after its end a scan may belong to an event: gates open early, and
 * an event without an end runs on (the live lanes count an event "on" from 12 h before its start).
 */
export const EVENT_SCAN_MARGIN_HOURS = 12;

/** An event's own times (ISO strings, or null when it has none). */
export interface EventTimes {
  start_time: string | null;
  end_time: string | null;
}

/**
 * Why `scannedAt` cannot belong to the event, or undefined (issue 15, item 12: an upload back-dated
 * 71 h won its conflict and was listed as the first admission). A scan may be at most
 * EVENT_SCAN_MARGIN_HOURS before the start and after the end; an event without an end has no upper
 * bound beyond scanTimeIssue (a late scan time cannot win a conflict, and such an event may run all
 * day: a gate scanning 13 h after a 10:00 start was refused as an invalid code).
 */
export function eventScanTimeIssue(scannedAt: string, event: EventTimes | undefined): ValidationItem | undefined {
  if (!event) return undefined;
  const at = Date.parse(scannedAt);
  const margin = EVENT_SCAN_MARGIN_HOURS * 3600_000;
  const issue = (msg: string): ValidationItem => ({ loc: ['body', 'scanned_at'], msg, type: 'value_error' });
  if (event.start_time !== null && at < Date.parse(event.start_time) - margin) {
    return issue(`must not be more than ${EVENT_SCAN_MARGIN_HOURS} hours before the event starts`);
  }
  if (event.end_time !== null && at > Date.parse(event.end_time) + margin) {
    return issue(`must not be more than ${EVENT_SCAN_MARGIN_HOURS} hours after the event ends`);
  }
  return undefined;
}
