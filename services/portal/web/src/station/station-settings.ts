// The event and gate this device checks in for, remembered on the device (never the token: that stays in a cookie).
import { signal } from '@preact/signals';

/** The check-in list this device scans for (issue 16) and its rules, kept so the station decides offline. */
export interface StationList {
  id: string;
  name: string;
  reentry: boolean;
  capacity: number | null;
  ticket_types: string[] | null;
  opens_at: string | null;
  closes_at: string | null;
  /** Inside when last heard from the server (the offline count starts from it). */
  inside?: number | undefined;
}

export interface StationSettings {
  eventId: string;
  gate: string;
  /** The event's title when it was chosen: shown when the station opens without network. */
  title?: string | undefined;
  /** The list scanned for; absent: main (the event's one-entry rule). */
  list?: StationList | undefined;
  /** In or Out: the station's mode (an exit lets the ticket out). */
  direction?: 'entry' | 'exit' | undefined;
}

const KEY = 'tixgo.station';

function read(): StationSettings | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<StationSettings> | null;
    // A gate of spaces only (kept by an older version) is no gate: the station asks for one again.
    return typeof value?.eventId === 'string' && typeof value.gate === 'string' && value.gate.trim() !== ''
      ? {
          eventId: value.eventId,
          gate: value.gate,
          title: typeof value.title === 'string' ? value.title : undefined,
          list: typeof value.list?.id === 'string' ? value.list : undefined,
          direction: value.direction === 'exit' ? 'exit' : 'entry',
        }
      : undefined;
  } catch {
    return undefined;
  }
}

export const stationSettings = signal<StationSettings | undefined>(read());
/** The station's own setup is open again (to change the event or the gate), starting from the current settings. */
export const stationSetupOpen = signal(false);

export function saveStationSettings(settings: StationSettings | undefined): void {
  stationSettings.value = settings;
  if (settings) localStorage.setItem(KEY, JSON.stringify(settings));
  else localStorage.removeItem(KEY);
}
