// Reads of big events: the full attendance list of 10,000 check-ins (req/s) and the summary of an
// event with 100,000 tickets and 100,000 check-ins (p50), seeded through the public API.
// Run: pnpm bench reads   (BENCH_SECONDS=10, BENCH_DATABASE_URL optional)
import { formatLoad, runLoad } from './lib/load.js';
import { gateTokens, seeder } from './lib/seed.js';
import { benchToken, freshDatabase, rssMb, startService, storageLabel } from './lib/services.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

async function main(): Promise<void> {
  const admin = benchToken('admin1', 'admin');
  const committee = benchToken('panitia1', 'committee');
  console.log(`attendance reads, ${storageLabel()}`);
  // The seeding gates all come from this one address: its check-in limit is raised for them.
  const attendance = await startService('attendance', {
    env: {
      DATABASE_URL: await freshDatabase('reads'),
      CHECKIN_RATE_PER_CLIENT: '1000000',
      CHECKIN_BURST_PER_CLIENT: '10000000',
    },
  });
  const seed = seeder(
    attendance.url,
    admin,
    gateTokens(256, (user) => benchToken(user, 'committee')),
  );
  try {
    // 10,000 check-ins, listed in full.
    const tenK = ids('L', 10_000);
    await seed.createEvent('bench-list', { title: 'List of ten thousand', location: 'Bench hall' });
    await seed.issueTickets('bench-list', tenK);
    const started = Date.now();
    const listed = await seed.checkIn('bench-list', tenK);
    console.log(`seeded 10,000 check-ins in ${((Date.now() - started) / 1000).toFixed(1)} s (${listed} created)`);
    const list = await runLoad({
      url: attendance.url,
      path: '/attendance/bench-list',
      connections: 16,
      durationSeconds: seconds,
      headers: { authorization: `Bearer ${committee}` },
    });
    console.log(formatLoad('GET /attendance/{event} with 10,000 check-ins, 16 connections', list));
    console.log(`target >= 150 req/s: ${list.rps >= 150 && list.non2xx === 0 ? 'MET' : 'NOT MET'}`);

    // 100,000 tickets and check-ins, summarised.
    const hundredK = ids('S', 100_000);
    await seed.createEvent('bench-big', { title: 'One hundred thousand', location: 'Bench hall' });
    await seed.issueTickets('bench-big', hundredK);
    const seeding = Date.now();
    const created = await seed.checkIn('bench-big', hundredK, 32, (done) =>
      process.stdout.write(`\r  seeding check-ins: ${done}`),
    );
    console.log(`\nseeded 100,000 check-ins in ${((Date.now() - seeding) / 1000).toFixed(1)} s (${created} created)`);
    const summary = await runLoad({
      url: attendance.url,
      path: '/events/bench-big/summary',
      connections: 8,
      durationSeconds: seconds,
      headers: { authorization: `Bearer ${committee}` },
    });
    console.log(formatLoad('GET /events/{id}/summary at 100,000 check-ins, 8 connections', summary));
    console.log(`target p50 <= 10 ms: ${summary.p50 <= 10 && summary.non2xx === 0 ? 'MET' : 'NOT MET'}`);
    console.log(`attendance memory after the reads: ${rssMb(attendance.child.pid).toFixed(0)} MB`);
  } finally {
    await seed.close();
    await attendance.stop();
  }
}

await main();
