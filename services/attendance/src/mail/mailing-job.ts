// Sends a mailing in the background: claims waiting addresses a few at a time, sends each, records each result;
// one failed address never stops the others. Taken up again after a restart (unfinished mailings at start).
import type { FastifyBaseLogger } from 'fastify';
import pLimit from 'p-limit';
import type pg from 'pg';
import { getEvent } from '../events/events-repository.js';
import {
  claimWaitingItems,
  finishMailing,
  hasUnsentItems,
  recordResult,
  unfinishedMailings,
} from './mailings-repository.js';
import type { TicketMailer } from './ticket-mail.js';

/** Addresses claimed per round, and sent at once (the SMTP pool's connections). */
const CLAIM_BATCH = 20;
const SENDING_AT_ONCE = 2;

export class MailingJobs {
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly db: pg.Pool,
    private readonly mailer: TicketMailer,
    private readonly defaultTimeZone: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Starts sending `mailingId` in the background (once per process). */
  start(eventId: string, mailingId: string): void {
    if (this.stopped || this.running.has(mailingId)) return;
    const job = this.send(eventId, mailingId)
      .catch((error: unknown) => this.log.error({ err: error, mailingId }, 'ticket mailing stopped'))
      .finally(() => this.running.delete(mailingId));
    this.running.set(mailingId, job);
  }

  /** Takes up the mailings a stopped process left unfinished. */
  async resumeUnfinished(): Promise<void> {
    for (const { mailingId, eventId } of await unfinishedMailings(this.db)) this.start(eventId, mailingId);
  }

  /** Whether this process is sending the mailing now (else its waiting addresses are another's, or stalled). */
  isSending(mailingId: string): boolean {
    return this.running.has(mailingId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.running.values());
    this.mailer.close();
  }

  private async send(eventId: string, mailingId: string): Promise<void> {
    const event = await getEvent(this.db, eventId);
    const details = {
      title: event.title,
      location: event.location,
      startTime: event.start_time,
      timeZone: event.time_zone ?? this.defaultTimeZone,
    };
    const limit = pLimit(SENDING_AT_ONCE);
    while (!this.stopped) {
      const items = await claimWaitingItems(this.db, mailingId, CLAIM_BATCH);
      if (items.length === 0) break;
      await Promise.all(
        items.map((item) =>
          limit(async () => {
            try {
              await this.mailer.send({
                to: item.email,
                ticketId: item.ticketId,
                holderName: item.holderName,
                event: details,
              });
              await recordResult(this.db, mailingId, item.ticketId, { sent: true });
            } catch (error) {
              const reason = error instanceof Error ? error.message : String(error);
              await recordResult(this.db, mailingId, item.ticketId, { sent: false, error: reason });
            }
          }),
        ),
      );
    }
    // Another process may still be sending its claimed part: the mailing is done when nothing waits.
    if (!this.stopped && !(await hasUnsentItems(this.db, mailingId))) await finishMailing(this.db, mailingId);
  }
}
