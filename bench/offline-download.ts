// The offline station's server side through the real portal (HTTPS): a 100,000-ticket event downloaded from
// scratch page by page (time, bytes on the wire with brotli, gzip and without), 1,000 queued scans uploaded
// in batches of 200 (POST /api/checkins/batch), then the delta a device asks for afterwards.
// Run: pnpm bench offline-download   (BENCH_OFFLINE_TICKETS=100000, BENCH_DATABASE_URL optional)
import { randomUUID } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { seeder, type TicketSeed } from './lib/seed.js';
import { benchToken, freshDatabase, type RunningService, rssMb, startService, storageLabel } from './lib/services.js';

const TICKETS = Number(process.env.BENCH_OFFLINE_TICKETS ?? 100_000);
const SCANS = 1000;
const UPLOAD_BATCH = 200;
const EVENT = 'bench-offline';
const BROWSER = 'gzip, deflate, br, zstd';

// Codes as attendance generates them (12 symbols of 32) and names of varied length, so the
// compression figures are those of a real event, not of "T-00001".
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const FIRST = ['Sari', 'Budi', 'Ayu', 'Dewi', 'Agus', 'Putri', 'Rizky', 'Intan', 'Eko', 'Fajar', 'Nur', 'Wahyu'];
const LAST = ['Wulandari', 'Santoso', 'Pratama', 'Permata', 'Hidayat', 'Kusuma', 'Siregar', 'Nasution', 'Saputra'];
const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)] as T;

function ticketsToIssue(count: number): TicketSeed[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    codes.add(Array.from({ length: 12 }, () => pick([...ALPHABET])).join(''));
  }
  // One in ten issued without a name, as a CSV import of mixed sources has.
  return [...codes].map((ticket_id, index) =>
    index % 10 === 9 ? { ticket_id } : { ticket_id, holder_name: `${pick(FIRST)} ${pick(LAST)}` },
  );
}

interface Page {
  tickets: unknown[];
  checkins: unknown[];
  next_cursor: string;
  complete: boolean;
}

interface Transfer {
  pages: number;
  tickets: number;
  checkins: number;
  /** Body bytes as they crossed the wire, and once decompressed. */
  wireBytes: number;
  jsonBytes: number;
  ms: number;
  cursor: string;
}

const client = new Agent({ connect: { rejectUnauthorized: false }, keepAliveTimeout: 10_000 });

/** GETs pages from `cursor` until complete, decompressing and parsing each as a device would. */
async function download(portal: string, token: string, encoding: string, cursor?: string): Promise<Transfer> {
  const result: Transfer = { pages: 0, tickets: 0, checkins: 0, wireBytes: 0, jsonBytes: 0, ms: 0, cursor: '' };
  const started = performance.now();
  for (;;) {
    const query = cursor ? `?cursor=${cursor}` : '';
    const response = await request(`${portal}/api/events/${EVENT}/tickets/offline${query}`, {
      dispatcher: client,
      headers: { authorization: `Bearer ${token}`, 'accept-encoding': encoding },
    });
    const raw = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode !== 200) throw new Error(`download: HTTP ${response.statusCode} ${raw.toString()}`);
    const sent = response.headers['content-encoding'];
    const json = sent === 'br' ? brotliDecompressSync(raw) : sent === 'gzip' ? gunzipSync(raw) : raw;
    const page = JSON.parse(json.toString()) as Page;
    result.pages++;
    result.tickets += page.tickets.length;
    result.checkins += page.checkins.length;
    result.wireBytes += raw.length;
    result.jsonBytes += json.length;
    cursor = page.next_cursor;
    if (page.complete) break;
  }
  result.ms = performance.now() - started;
  result.cursor = cursor;
  return result;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const describe = (label: string, transfer: Transfer) =>
  `${label}: ${transfer.tickets} tickets + ${transfer.checkins} check-ins in ${transfer.pages} pages, ` +
  `${transfer.ms.toFixed(0)} ms, ${kb(transfer.wireBytes)} on the wire (${kb(transfer.jsonBytes)} of JSON)`;

/** Uploads `count` queued scans of the event's tickets in batches, one after another as a station syncs. */
async function uploadQueue(
  portal: string,
  token: string,
  ticketIds: string[],
): Promise<{ ms: number; created: number }> {
  let created = 0;
  const started = performance.now();
  for (let start = 0; start < ticketIds.length; start += UPLOAD_BATCH) {
    const checkins = ticketIds.slice(start, start + UPLOAD_BATCH).map((ticket_id) => ({
      event_id: EVENT,
      ticket_id,
      location: 'Gate A',
      scanned_at: new Date(Date.now() - 60_000).toISOString(),
      admitted_offline: true,
      idempotency_key: randomUUID(),
    }));
    const response = await request(`${portal}/api/checkins/batch`, {
      method: 'POST',
      dispatcher: client,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ checkins }),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`upload: HTTP ${response.statusCode} ${text.slice(0, 300)}`);
    created += (JSON.parse(text) as { results: { status: number }[] }).results.filter((r) => r.status === 201).length;
  }
  return { ms: performance.now() - started, created };
}

async function main(): Promise<void> {
  const admin = benchToken('admin1', 'admin');
  const committee = benchToken('panitia1', 'committee');
  console.log(`offline station data: ${TICKETS} tickets, ${storageLabel()}, portal over HTTPS`);
  const attendance = await startService('attendance', { env: { DATABASE_URL: await freshDatabase('offline') } });
  let portal: RunningService | undefined;
  const seed = seeder(attendance.url, admin, [committee]);
  try {
    portal = await startService('portal', {
      env: { ATTENDANCE_BASE_URL: attendance.url, IDENTITY_BASE_URL: 'http://127.0.0.1:9' },
    });
    await seed.createEvent(EVENT, { title: 'Offline download', location: 'Bench field' });
    const tickets = ticketsToIssue(TICKETS);
    const seeding = performance.now();
    await seed.issueTickets(EVENT, tickets);
    console.log(`issued ${TICKETS} tickets in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

    const portalIdle = rssMb(portal.child.pid);
    // What a browser offers (Chromium: gzip, deflate, br, zstd), and each encoding alone.
    const cold = await download(portal.url, committee, BROWSER);
    console.log(describe('from scratch, first download (cold caches), as a browser asks', cold));
    const runs: Record<string, Transfer> = {};
    for (const encoding of [BROWSER, 'gzip', 'br', 'identity']) {
      runs[encoding] = await download(portal.url, committee, encoding);
      console.log(describe(`from scratch, accept-encoding ${encoding}`, runs[encoding] as Transfer));
    }
    const cursor = runs[BROWSER]?.cursor;
    const unchanged = await download(portal.url, committee, BROWSER, cursor);
    console.log(describe('delta with nothing new', unchanged));

    const queue = tickets.slice(0, SCANS).map((ticket) => ticket.ticket_id);
    const upload = await uploadQueue(portal.url, committee, queue);
    console.log(
      `upload of ${SCANS} queued scans in batches of ${UPLOAD_BATCH} through POST /api/checkins/batch: ` +
        `${upload.ms.toFixed(0)} ms, ${upload.created} checked in (target: 1,000 in <= 10 s)`,
    );
    const delta = await download(portal.url, committee, BROWSER, cursor);
    console.log(describe(`delta after ${SCANS} new check-ins`, delta));
    console.log(
      `memory: attendance ${rssMb(attendance.child.pid).toFixed(0)} MB, portal ${portalIdle.toFixed(0)} MB before ` +
        `the downloads, ${rssMb(portal.child.pid).toFixed(0)} MB after`,
    );
  } finally {
    await seed.close();
    await client.close();
    await portal?.stop();
    await attendance.stop();
  }
}

await main();
