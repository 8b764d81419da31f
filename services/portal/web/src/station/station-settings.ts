// The event and gate this device checks in for, remembered on the device (never the token: that stays in a cookie).
import { signal } from '@preact/signals';

export interface StationSettings {
  eventId: string;
  gate: string;
  /** The event's title when it was chosen: shown when the station opens without network. */
  title?: string | undefined;
}

const KEY = 'tixgo.station';

function read(): StationSettings | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<StationSettings> | null;
    // A gate of spaces only (kept by an older version) is no gate: the station asks for one again.
    return typeof value?.eventId === 'string' && typeof value.gate === 'string' && value.gate.trim() !== ''
      ? { eventId: value.eventId, gate: value.gate, title: typeof value.title === 'string' ? value.title : undefined }
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
