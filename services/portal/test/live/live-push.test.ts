// Issue 18, item 2: live topics read attendance when a change of theirs is announced, once for all their
// screens and at most once per interval, else only every safety interval; every interval while the
// changes are not followed. Timers are the test's own: time moves only when the test moves it.
import { LIVE_EVENTS, type LiveEventName } from '@tixgo/contracts';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventTopicKey, LiveHub, OVERVIEW_TOPIC_KEY } from '../../src/live/live-hub.js';
import type { LiveClock, LiveMessage, LiveSubscriber, TopicSource } from '../../src/live/live-topic.js';

const INTERVAL = 1000;
const SAFETY = 30_000;

/** Timers run by `advance`, in order of their time; the promises a run starts settle before the next. */
class ManualClock implements LiveClock {
  private time = 1_000_000;
  private timers: { at: number; run: () => void; id: number }[] = [];
  private ids = 0;
  now = () => this.time;
  setTimeout = (run: () => void, ms: number) => {
    const id = ++this.ids;
    this.timers.push({ at: this.time + ms, run, id });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  };
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = Math.max(this.time, due.at);
      due.run();
    }
    this.time = until;
    await settle();
  }
}

/** Lets the fetches' promises (and what they start) settle. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A topic source answering its current state, counting its reads. */
function source(key: string, event: LiveEventName = LIVE_EVENTS.stats) {
  const counted = { reads: 0, state: 0 };
  const topic: TopicSource = {
    key,
    event,
    fetch: async () => {
      counted.reads++;
      return { status: 200, body: JSON.stringify({ key, state: counted.state }) } as never;
    },
  };
  return { topic, counted };
}

function screen(n: number): LiveSubscriber & { received: LiveMessage[] } {
  const received: LiveMessage[] = [];
  return {
    received,
    caller: { token: `token-${n}`, requestId: `r${n}`, clientIp: `10.0.0.${n % 250}` } as never,
    expiresAt: Number.MAX_SAFE_INTEGER,
    owner: { user: `u${n}`, client: `10.0.${Math.floor(n / 250)}.${n % 250}` },
    isRevoked: () => false,
    send: (message) => received.push(message),
    end: () => undefined,
  };
}

let clock: ManualClock;
let hub: LiveHub;

beforeEach(() => {
  clock = new ManualClock();
  hub = new LiveHub({
    intervalMs: INTERVAL,
    safetyPollMs: SAFETY,
    maxStreams: 1000,
    maxStreamsPerUser: 1000,
    maxStreamsPerClient: 1000,
    revocationCheckMs: 60_000,
    log: { warn: () => undefined },
    every: () => () => undefined,
    clock,
  });
  return () => hub.close();
});

/** `count` screens on `topic`, each with its first event. */
async function watch(topic: TopicSource, count: number) {
  const screens = Array.from({ length: count }, (_, n) => screen(n));
  const joined = screens.map((each) => hub.join(topic, each));
  await clock.advance(0);
  await Promise.all(joined);
  return screens;
}

describe('live topics following attendance’s changes', () => {
  it('read once for 100 screens when their event changes, and not at all while nothing does', async () => {
    hub.setFollowing(true);
    const event = source(eventTopicKey('ev-1'));
    const screens = await watch(event.topic, 100);
    expect(event.counted.reads).toBe(1);

    // Quiet: no read until the safety interval.
    await clock.advance(SAFETY - 1);
    expect(event.counted.reads).toBe(1);

    // Five changes announced together: one read, sent to every screen once.
    event.counted.state = 1;
    for (let n = 0; n < 5; n++) hub.changed({ events: ['ev-1'] });
    await clock.advance(0);
    expect(event.counted.reads).toBe(2);
    for (const each of screens) expect(each.received.map((message) => JSON.parse(message.data).state)).toEqual([0, 1]);

    // A change right after a read waits for the interval since it: never two reads within one.
    event.counted.state = 2;
    await clock.advance(100);
    hub.changed({ events: ['ev-1'] });
    await clock.advance(INTERVAL - 101);
    expect(event.counted.reads).toBe(2);
    await clock.advance(1);
    expect(event.counted.reads).toBe(3);

    // Another event's change is not this topic's.
    hub.changed({ events: ['ev-2'] });
    await clock.advance(SAFETY - 1);
    expect(event.counted.reads).toBe(3);
    // The safety read comes at last (a missed notification is picked up).
    await clock.advance(1);
    expect(event.counted.reads).toBe(4);
  });

  it('reads the overview on any event’s change, and every topic on a change of unknown scope', async () => {
    hub.setFollowing(true);
    const overview = source(OVERVIEW_TOPIC_KEY, LIVE_EVENTS.overview);
    const event = source(eventTopicKey('ev-1'));
    await watch(overview.topic, 3);
    await watch(event.topic, 3);
    await clock.advance(5 * INTERVAL);
    expect([overview.counted.reads, event.counted.reads]).toEqual([1, 1]);
    hub.changed({ events: ['ev-9'] });
    await clock.advance(0);
    expect([overview.counted.reads, event.counted.reads]).toEqual([2, 1]);
    hub.changed({ all: true });
    await clock.advance(INTERVAL);
    expect([overview.counted.reads, event.counted.reads]).toEqual([3, 2]);
  });

  it('polls every interval while the changes are not followed, and reads once more when they are again', async () => {
    const event = source(eventTopicKey('ev-1'));
    await watch(event.topic, 10);
    // Not following (attendance unreachable, or not trusting this portal): as before, one read a second.
    await clock.advance(5 * INTERVAL);
    expect(event.counted.reads).toBe(6);
    // Following: one read (what changed before was never announced), then quiet.
    hub.setFollowing(true);
    await clock.advance(INTERVAL);
    expect(event.counted.reads).toBe(7);
    await clock.advance(10 * INTERVAL);
    expect(event.counted.reads).toBe(7);
    // The stream broke: polling again at once, then every interval.
    hub.setFollowing(false);
    await clock.advance(0);
    expect(event.counted.reads).toBe(8);
    await clock.advance(3 * INTERVAL - 1);
    expect(event.counted.reads).toBe(10);
  });
});
