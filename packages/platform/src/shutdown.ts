// Graceful stop on SIGTERM/SIGINT: stop accepting, finish requests in flight, close resources, exit 0.
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';

export interface ShutdownOptions {
  /** Hard deadline for the whole shutdown before the process exits 1. */
  delayMs?: number;
}

/** Closes `app` (and, through its onClose hooks, the database) on the first signal. */
export function closeOnSignals(app: FastifyInstance, options: ShutdownOptions = {}): void {
  closeWithGrace(
    {
      delay: options.delayMs ?? 15_000,
      logger: { error: (message: unknown) => app.log.error(message) },
    },
    async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'stopping after an unexpected error');
      else app.log.info({ signal }, 'stopping: finishing requests in flight');
      await app.close();
      app.log.info('stopped cleanly');
    },
  );
}
