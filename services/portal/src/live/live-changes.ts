// Follows attendance's GET /changes (issue 18, item 2): one stream per portal, from any replica (all
// of them hear every commit through PostgreSQL), handed to the live hub. When the stream cannot be had
// or breaks, the hub is told so at once (its topics poll as before) and the next replica is tried.
import { Agent, request } from 'undici';
import { eventStreamParser } from './event-stream-parser.js';
import type { LiveChange } from './live-hub.js';

/** Silence after which a stream is taken for dead: three of attendance's 15 s heartbeats. */
const SILENCE_MS = 45_000;
/** Waits before following again after a failure: short at first (another replica may be there). */
const RETRY_MS = [250, 1000, 2000, 5000];
/** Attendance does not trust this portal (TRUST_PROXY): asked again this rarely. */
const UNTRUSTED_RETRY_MS = 60_000;

export interface LiveChangesOptions {
  /** Attendance's replicas (each with the same path). */
  baseUrls: string[];
  connectTimeoutMs: number;
  /** How long the answer's headers may take. */
  headersTimeoutMs: number;
  log: { warn(obj: object, msg?: string): void };
  onChange(change: LiveChange): void;
  /** Following (true) or not (false): while not, announced changes are missed. */
  onFollowing(following: boolean): void;
}

/** A change as attendance sends it; undefined for anything else. */
export function parseChange(data: string): LiveChange | undefined {
  try {
    const parsed = JSON.parse(data) as { events?: unknown; all?: unknown };
    if (parsed.all === true) return { all: true };
    if (Array.isArray(parsed.events) && parsed.events.every((id) => typeof id === 'string')) {
      return { events: parsed.events as string[] };
    }
  } catch {
    // not ours
  }
  return undefined;
}

export class LiveChanges {
  private readonly agent: Agent;
  private replica = 0;
  private started = false;
  private closed = false;
  private following = false;
  private controller: AbortController | undefined;
  private wake: (() => void) | undefined;
  private warnedUntrusted = false;

  constructor(private readonly options: LiveChangesOptions) {
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: SILENCE_MS,
    });
  }

  /** Starts following (once; later calls do nothing). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.run();
  }

  private setFollowing(following: boolean): void {
    if (this.following === following) return;
    this.following = following;
    this.options.onFollowing(following);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const { baseUrls } = this.options;
      const base = (baseUrls[this.replica % baseUrls.length] as string).replace(/\/+$/, '');
      let wait = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)] as number;
      try {
        this.controller = new AbortController();
        const response = await request(`${base}/changes`, {
          dispatcher: this.agent,
          signal: this.controller.signal,
          headers: { accept: 'text/event-stream' },
        });
        if (response.statusCode === 200) {
          failures = 0;
          wait = RETRY_MS[0] as number;
          this.warnedUntrusted = false;
          // Followed from the headers on: what committed before is read by the topics now.
          this.setFollowing(true);
          const feed = eventStreamParser(
            (event, data) => {
              const change = event === 'change' ? parseChange(data) : undefined;
              if (change) this.options.onChange(change);
            },
            () => undefined,
          );
          response.body.setEncoding('utf8');
          for await (const chunk of response.body) feed(chunk as string);
          // Ended by attendance: it lost its listening connection, or it is stopping.
        } else {
          await response.body.dump();
          failures++;
          if (response.statusCode === 403) {
            wait = UNTRUSTED_RETRY_MS;
            if (!this.warnedUntrusted) {
              this.warnedUntrusted = true;
              this.options.log.warn(
                { upstream: base },
                'attendance refuses this portal its changes (name the portal in its TRUST_PROXY): live screens poll',
              );
            }
          }
        }
      } catch (error) {
        if (this.closed) break;
        failures++;
        if (this.following || failures === 1) {
          this.options.log.warn(
            { err: error, upstream: base },
            'lost attendance’s changes: live screens poll meanwhile',
          );
        }
      }
      this.setFollowing(false);
      if (this.closed) break;
      // Another replica next, if there is one: each of them announces every commit.
      this.replica++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.controller?.abort();
    this.wake?.();
    await this.agent.destroy().catch(() => undefined);
  }
}
