// One live topic (the overview, or one event's stats): ONE read of attendance at a time, whatever the
// number of screens, fanned out to every stream that watches it. While the portal follows attendance's
// changes (live-changes.ts), the topic is read again only when a change for it was announced (at most
// once per interval) and otherwise every safety interval; while it does not, every interval.
import { LIVE_EVENTS, type LiveEventName } from '@tixgo/contracts';
import { httpError, httpErrors } from '@tixgo/platform';
import type { Caller } from '../upstream/caller.js';
import type { UpstreamLog, UpstreamResponse } from '../upstream/upstream-client.js';

/** One server-sent event: its name and its data (JSON text, sent as it is). */
export interface LiveMessage {
  event: LiveEventName;
  data: string;
}

/** A stream that watches a topic (one browser tab). */
export interface LiveSubscriber {
  /** The subscriber's own verified access token (and tracing ids): the portal never mints tokens. */
  caller: Caller & { token: string };
  /** When that token expires, in ms since the epoch. */
  expiresAt: number;
  /** Whose stream it is: the account (uid) and the client address, for the per-account and per-address caps. */
  owner: { user: string; client: string };
  /** Whether identity has revoked the token since (signed out, deleted, role changed): asked periodically. */
  isRevoked(): boolean;
  /** Writes one event to the stream. */
  send(message: LiveMessage): void;
  /** Ends the stream, after `last` when given. */
  end(last?: LiveMessage): void;
}

/** What a topic polls. */
export interface TopicSource {
  key: string;
  /** The event name its data goes out under. */
  event: LiveEventName;
  /** One GET to attendance for `caller`; throws the portal's 502/504 when attendance fails. */
  fetch(caller: Caller): Promise<UpstreamResponse>;
}

/** The timers of the live streams (tests drive them by hand). */
export interface LiveClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_CLOCK: LiveClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface TopicOptions {
  /** The least time between two reads; also the polling period while changes are not followed. */
  intervalMs: number;
  /** The time between two reads while changes are followed and none was announced. */
  safetyPollMs: number;
  /** Whether changes are followed now (see setFollowing). */
  following: boolean;
  clock?: LiveClock;
  log: UpstreamLog;
  /** Called once the topic has no subscriber left and has stopped polling. */
  onIdle(): void;
}

interface Member {
  subscriber: LiveSubscriber;
  expiry: unknown;
  /** Set until the member got its first event (its HTTP answer is not committed before that). */
  first: { resolve(): void; reject(error: Error): void } | undefined;
}

// setTimeout fires at once past 2^31-1 ms (~24.8 days); a token may live a year (TOKEN_EXPIRE_MINUTES).
const LONGEST_TIMER_MS = 2 ** 31 - 1;

const notice = (event: LiveEventName, detail: string): LiveMessage => ({ event, data: JSON.stringify({ detail }) });

/** The upstream's `detail` when it sent one. */
function detailOf(response: UpstreamResponse, fallback: string): string {
  try {
    const { detail } = JSON.parse(response.body) as { detail?: unknown };
    return typeof detail === 'string' ? detail : fallback;
  } catch {
    return fallback;
  }
}

export class LiveTopic {
  private readonly members = new Map<LiveSubscriber, Member>();
  /** The last event broadcast: a new subscriber gets it at once; an unchanged answer is not sent again. */
  private last: LiveMessage | undefined;
  private timer: unknown;
  private polling = false;
  private stopped = false;
  private readonly clock: LiveClock;
  private following: boolean;
  /** A change was announced since the last read started. */
  private dirty = false;
  /** When the last read started. */
  private lastReadAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly source: TopicSource,
    private readonly options: TopicOptions,
  ) {
    this.clock = options.clock ?? REAL_CLOCK;
    this.following = options.following;
  }

  get size(): number {
    return this.members.size;
  }

  /**
   * Adds a subscriber. Resolves once it has its first event (the current state, or the first poll's
   * answer); rejects, before anything was written to it, when that first poll says the topic does
   * not exist (404) or refuses the subscriber's own token (401).
   */
  join(subscriber: LiveSubscriber): Promise<void> {
    return new Promise((resolve, reject) => {
      const member: Member = { subscriber, expiry: undefined, first: undefined };
      this.members.set(subscriber, member);
      this.armExpiry(member);
      if (this.last) {
        subscriber.send(this.last);
        resolve();
      } else {
        member.first = { resolve, reject };
      }
      if (!this.polling && this.timer === undefined) void this.poll();
    });
  }

  /** Removes a subscriber (its stream closed); the last one out stops the polling. */
  leave(subscriber: LiveSubscriber): void {
    const member = this.members.get(subscriber);
    if (!member) return;
    this.drop(member);
    member.first?.resolve();
    if (this.members.size === 0) this.stop();
  }

  /** Ends every stream (portal shutdown); a subscriber still waiting for its first event gets `error`. */
  close(error: Error): void {
    for (const member of [...this.members.values()]) {
      this.drop(member);
      if (member.first) member.first.reject(error);
      else member.subscriber.end();
    }
    this.stop();
  }

  /** A change of this topic was announced: read again, as soon as the interval since the last read allows. */
  changed(): void {
    this.dirty = true;
    this.reschedule();
  }

  /**
   * Whether the portal follows attendance's changes from now on. Either way the topic is read once
   * more: changes made while nobody followed them were not announced.
   */
  setFollowing(following: boolean): void {
    this.following = following;
    this.dirty = true;
    this.reschedule();
  }

  /** The subscriber's token was revoked: `event: expired` and the stream ends, as on expiry. */
  revoke(subscriber: LiveSubscriber, error: Error): void {
    const member = this.members.get(subscriber);
    if (member) this.expire(member, error);
  }

  private armExpiry(member: Member): void {
    const delay = member.subscriber.expiresAt - this.clock.now();
    member.expiry = this.clock.setTimeout(
      () => {
        if (delay > LONGEST_TIMER_MS) this.armExpiry(member);
        else this.expire(member, httpErrors.unauthorized('Token expired'));
      },
      Math.max(0, Math.min(delay, LONGEST_TIMER_MS)),
    );
  }

  /** The member's token is no good any more: `event: expired`, end (the browser renews and reconnects). */
  private expire(member: Member, error: Error): void {
    this.drop(member);
    if (member.first) member.first.reject(error);
    else member.subscriber.end(notice(LIVE_EVENTS.expired, error.message));
    if (this.members.size === 0) this.stop();
  }

  private drop(member: Member): void {
    this.clock.clearTimeout(member.expiry);
    this.members.delete(member.subscriber);
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.options.onIdle();
  }

  private broadcast(message: LiveMessage): void {
    this.last = message;
    for (const member of this.members.values()) {
      member.subscriber.send(message);
      member.first?.resolve();
      member.first = undefined;
    }
  }

  /** The member whose token lives longest polls for everyone: the one least likely to expire mid-call. */
  private pollingMember(): Member | undefined {
    let best: Member | undefined;
    for (const member of this.members.values()) {
      if (!best || member.subscriber.expiresAt > best.subscriber.expiresAt) best = member;
    }
    return best;
  }

  /** When a read is waiting for its time, moves it to the time the state now asks for. */
  private reschedule(): void {
    if (this.polling || this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.schedule();
  }

  /** The next read: an interval after the last one when it is due (a change, no changes followed), else the safety interval. */
  private schedule(): void {
    const wait = this.dirty || !this.following ? this.options.intervalMs : this.options.safetyPollMs;
    this.timer = this.clock.setTimeout(() => void this.poll(), Math.max(0, this.lastReadAt + wait - this.clock.now()));
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    const member = this.pollingMember();
    if (this.stopped || !member) return;
    this.polling = true;
    // What is announced from here on may not be in this answer: it makes the topic due again.
    this.dirty = false;
    this.lastReadAt = this.clock.now();
    let again = false;
    try {
      const response = await this.source.fetch(member.subscriber.caller);
      if (this.stopped) return;
      again = this.answer(member, response);
    } catch (error) {
      if (this.stopped) return;
      // Attendance down or late (the client already retried): say so once, and keep trying every interval.
      this.dirty = true;
      const detail = (error as Error).message || 'Attendance service unavailable';
      if (this.last?.event !== LIVE_EVENTS.unavailable) this.broadcast(notice(LIVE_EVENTS.unavailable, detail));
    } finally {
      this.polling = false;
    }
    if (this.stopped || this.members.size === 0) return;
    if (again) this.timer = this.clock.setTimeout(() => void this.poll(), 0);
    else this.schedule();
  }

  /** Handles one upstream answer; true when the poll should be repeated at once (with another token). */
  private answer(member: Member, response: UpstreamResponse): boolean {
    if (response.status === 200) {
      const message: LiveMessage = { event: this.source.event, data: response.body };
      // Only what changed goes out: 100 screens of a quiet event get nothing but heartbeats.
      if (this.last?.event !== message.event || this.last.data !== message.data) this.broadcast(message);
      return false;
    }
    if (response.status === 401) {
      // The polling token was refused upstream (revoked, or expired in between): that subscriber is
      // told so; the next poll uses another one's.
      this.expire(member, httpError(401, detailOf(response, 'Invalid token')));
      return true;
    }
    if (response.status === 404) {
      const error = httpErrors.notFound(detailOf(response, 'Not found'));
      for (const gone of [...this.members.values()]) {
        this.drop(gone);
        if (gone.first) gone.first.reject(error);
        else gone.subscriber.end(notice(LIVE_EVENTS.notFound, error.message));
      }
      this.stop();
      return false;
    }
    this.options.log.warn(
      { topic: this.source.key, upstreamStatus: response.status },
      'live topic: unexpected answer from attendance',
    );
    this.dirty = true;
    if (this.last?.event !== LIVE_EVENTS.unavailable) {
      this.broadcast(notice(LIVE_EVENTS.unavailable, detailOf(response, 'Attendance service unavailable')));
    }
    return false;
  }
}
