// The event and gate this device checks in for, remembered on the device (never the token: that stays in a cookie).
import { signal } from '@preact/signals';

export interface StationSettings {
  eventId: string;
  gate: string;
}

const KEY = 'tixgo.station';

function read(): StationSettings | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<StationSettings> | null;
    return typeof value?.eventId === 'string' && typeof value.gate === 'string'
      ? { eventId: value.eventId, gate: value.gate }
      : undefined;
  } catch {
    return undefined;
  }
}

export const stationSettings = signal<StationSettings | undefined>(read());

export function saveStationSettings(settings: StationSettings | undefined): void {
  stationSettings.value = settings;
  if (settings) localStorage.setItem(KEY, JSON.stringify(settings));
  else localStorage.removeItem(KEY);
}
