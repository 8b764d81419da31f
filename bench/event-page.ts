// The event page's reads at 100,000 check-ins: stats, the check-in list and its searches, the manual ticket lookup (p50).
// Run: pnpm bench eventpage   (BENCH_SECONDS=5 per read, BENCH_DATABASE_URL optional)
//
// Seeded through the public API: 100,000 tickets with holder names, all checked in by 64 parallel
// gates at 4 locations, so the rows and indexes are what real check-ins produce. One check-in in four
// carries a device scan time (an offline gate's upload), so the timeline counts both kinds.
import { Pool } from 'undici';
import { formatLoad, runLoad } from './lib/load.js';
import { seeder } from './lib/seed.js';
import { benchToken, freshDatabase, startService, storageLabel } from './lib/services.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const TICKETS = 100_000;
const GATES = ['Gate A', 'Gate B', 'Gate C', 'Gate D'];
const FIRST = ['Budi', 'Siti', 'Agus', 'Dewi', 'Rina', 'Andi', 'Putri', 'Joko'];
const LAST = ['Santoso', 'Wijaya', 'Pratama', 'Lestari', 'Hidayat', 'Saputra', 'Kusuma'];

const holder = (index: number) =>
  `${FIRST[index % FIRST.length]} ${LAST[Math.floor(index / FIRST.length) % LAST.length]} ${index}`;
const code = (index: number) => `P${String(index).padStart(6, '0')}`;

async function main(): Promise<void> {
  const admin = benchToken('admin1', 'admin');
  const committee = benchToken('panitia1', 'committee');
  console.log(`event page reads at ${TICKETS} check-ins, ${storageLabel()}`);
  // The 64 seeding gates are one user at one address: both check-in limits are raised for them.
  const attendance = await startService('attendance', {
    env: {
      DATABASE_URL: await freshDatabase('eventpage'),
      CHECKIN_RATE_PER_USER: '1000000',
      CHECKIN_BURST_PER_USER: '10000000',
      CHECKIN_RATE_PER_CLIENT: '1000000',
      CHECKIN_BURST_PER_CLIENT: '10000000',
    },
  });
  const seed = seeder(attendance.url, admin, [committee]);
  const pool = new Pool(attendance.url, { connections: 64 });
  const post = async (path: string, token: string, body: unknown) => {
    const response = await pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, text };
  };
  try {
    await seed.createEvent('page-big', { title: 'Event page at 100k', location: 'Bench hall' });
    let started = Date.now();
    for (let start = 0; start < TICKETS; start += 10_000) {
      const tickets = Array.from({ length: 10_000 }, (_, offset) => ({
        ticket_id: code(start + offset),
        holder_name: holder(start + offset),
      }));
      const answer = await post('/events/page-big/tickets', admin, { tickets });
      if (answer.status !== 201) throw new Error(`issue tickets: ${answer.status} ${answer.text.slice(0, 200)}`);
    }
    console.log(`issued ${TICKETS} named tickets in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    started = Date.now();
    let next = 0;
    let created = 0;
    const offlineScan = new Date(started - 20 * 60_000).toISOString();
    const gate = async () => {
      while (next < TICKETS) {
        const index = next++;
        const answer = await post('/checkins', committee, {
          event_id: 'page-big',
          ticket_id: code(index),
          location: GATES[index % GATES.length],
          ...(index % 4 === 3 ? { scanned_at: offlineScan } : {}),
        });
        if (answer.status === 201) created++;
      }
    };
    await Promise.all(Array.from({ length: 64 }, gate));
    console.log(`checked in ${created} tickets in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // A partly seeded event would make every read below look cheaper than it is.
    if (created !== TICKETS) throw new Error(`only ${created} of ${TICKETS} check-ins were created`);

    const reads: [string, string][] = [
      ['GET /overview', '/overview'],
      ['GET /events/{id}/stats (5-minute buckets)', '/events/page-big/stats'],
      ['GET /events/{id}/stats?latest=10 (the live topic)', '/events/page-big/stats?latest=10'],
      ['GET /events/{id}/stats?bucket=60', '/events/page-big/stats?bucket=60'],
      ['GET /events/{id}/checkins (first page of 50)', '/events/page-big/checkins'],
      ['GET /events/{id}/checkins?gate=Gate D', '/events/page-big/checkins?gate=Gate%20D'],
      ['GET /events/{id}/checkins?q=<one holder>', '/events/page-big/checkins?q=Kusuma%2077777'],
      ['GET /events/{id}/checkins?q=budi (1 in 8 match)', '/events/page-big/checkins?q=budi'],
      ['GET /events/{id}/tickets/search?q=<one code>', '/events/page-big/tickets/search?q=P042424'],
      ['GET /events/{id}/tickets/search?q=<one holder>', '/events/page-big/tickets/search?q=Wijaya%2012345'],
      ['GET /events/{id}/tickets/search?q=budi (1 in 8 match)', '/events/page-big/tickets/search?q=budi'],
    ];
    for (const [label, path] of reads) {
      const result = await runLoad({
        url: attendance.url,
        path,
        connections: 1,
        durationSeconds: seconds,
        headers: { authorization: `Bearer ${committee}` },
      });
      console.log(formatLoad(`${label}, 1 connection`, result));
    }
  } finally {
    await pool.close();
    await seed.close();
    await attendance.stop();
  }
}

await main();
