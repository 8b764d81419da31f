// The event's counts as the server last sent them to this station, kept on the device: after a reload without
// network the gate's count and the event's total come back with the page instead of starting from the device alone.
import type { EventStats } from '../api/endpoints.js';

const PREFIX = 'tixgo.station.counts.';

export interface KeptCounts {
  stats: EventStats;
  /** When the server sent them. */
  at: string;
}

export function keptCounts(eventId: string): KeptCounts | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(PREFIX + eventId) ?? 'null') as KeptCounts | null;
    return value && typeof value.at === 'string' && Array.isArray(value.stats?.gates) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function keepCounts(eventId: string, stats: EventStats): void {
  try {
    localStorage.setItem(PREFIX + eventId, JSON.stringify({ stats, at: new Date().toISOString() }));
  } catch {
    // Storage full or refused: the counts come back with the next server message instead.
  }
}
