// The bound of an offline scan's time by its device's first ticket download (issue 15 item 12): SQL and the pure rule.
import type pg from 'pg';
import { SCAN_CLOCK_SKEW_MS } from './scan-time.js';

/** One device at one event. */
export interface DeviceAtEvent {
  eventId: string;
  deviceId: string;
}

/** The key of a device at an event in FirstDownloads. */
export const deviceKeyOf = ({ eventId, deviceId }: DeviceAtEvent) => `${eventId}\n${deviceId}`;

/**
 * The scan time to keep for a scan the device says it made at `scannedAt`, when it first downloaded the
 * event's tickets at `firstDownloadMs` (undefined: never, then nothing bounds it). A device cannot have
 * scanned a code before it had the list, so an earlier time is moved to the first download: the scan is
 * kept (nothing is lost) but can no longer be listed as the first admission by back-dating. The margin is
 * the device clock's own (SCAN_CLOCK_SKEW_MS): the download time is the server's clock, the scan time the
 * device's, and a device whose clock runs two minutes behind scans "before" a download it had just made.
 */
export function boundedScanTime(scannedAt: string, firstDownloadMs: number | undefined): string {
  if (firstDownloadMs === undefined) return scannedAt;
  return Date.parse(scannedAt) < firstDownloadMs - SCAN_CLOCK_SKEW_MS
    ? new Date(firstDownloadMs).toISOString()
    : scannedAt;
}

/** Notes that the device downloads (part of) its copy of the event now: the first time once, the last every time. */
export async function recordDeviceDownload(db: pg.Pool, device: DeviceAtEvent): Promise<void> {
  await db.query({
    name: 'record-device-download',
    text: `INSERT INTO device_downloads (event_id, device_id) VALUES ($1, $2)
           ON CONFLICT (event_id, device_id) DO UPDATE SET last_at = now()`,
    values: [device.eventId, device.deviceId],
  });
}

/** When each of `devices` first downloaded its event's tickets (ms), in one read; a device that never did is absent. */
export async function firstDownloadsOf(db: pg.Pool, devices: DeviceAtEvent[]): Promise<FirstDownloads> {
  const found = new Map<string, number>();
  if (devices.length === 0) return new FirstDownloads(found);
  const { rows } = await db.query<{ event_id: string; device_id: string; first_ms: string }>({
    name: 'device-first-downloads',
    text: `SELECT d.event_id, d.device_id, floor(extract(epoch FROM d.first_at) * 1000)::int8::text AS first_ms
             FROM device_downloads d
             JOIN unnest($1::text[], $2::text[]) AS w(event_id, device_id) USING (event_id, device_id)`,
    values: [devices.map((device) => device.eventId), devices.map((device) => device.deviceId)],
  });
  for (const row of rows)
    found.set(deviceKeyOf({ eventId: row.event_id, deviceId: row.device_id }), Number(row.first_ms));
  return new FirstDownloads(found);
}

export class FirstDownloads {
  constructor(private readonly byDevice: Map<string, number>) {}
  of(device: DeviceAtEvent): number | undefined {
    return this.byDevice.get(deviceKeyOf(device));
  }
}

/** A scan whose time was moved: the time its device gave, kept beside the one the check-in carries. */
export interface ScanTimeClamp extends DeviceAtEvent {
  ticketId: string;
  by: string;
  deviceScannedAt: string;
  scannedAt: string;
}

/** Keeps the device's own time of a moved scan (once, however often its upload is retried). */
export async function recordScanTimeClamp(db: pg.Pool, clamp: ScanTimeClamp): Promise<void> {
  await db.query({
    name: 'record-scan-time-clamp',
    text: `INSERT INTO scan_time_clamps (event_id, ticket_id, device_id, by, device_scanned_at, scanned_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    values: [clamp.eventId, clamp.ticketId, clamp.deviceId, clamp.by, clamp.deviceScannedAt, clamp.scannedAt],
  });
}
