// The shared `server.ts` body: parse config (exit 1 naming the bad variable), build, listen, stop on signals.
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { ConfigError } from './config.js';
import { loggerOptions } from './logger.js';
import { closeOnSignals } from './shutdown.js';

interface ListenConfig {
  host: string;
  port: number;
  logLevel: string;
}

export async function startService<C extends ListenConfig>(
  name: string,
  loadConfig: () => C,
  build: (config: C, log: Logger) => Promise<FastifyInstance>,
): Promise<FastifyInstance> {
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = pino(loggerOptions(config.logLevel, name));
  let app: FastifyInstance;
  try {
    app = await build(config, log);
  } catch (error) {
    log.fatal({ err: error }, 'could not start');
    process.exit(1);
  }
  closeOnSignals(app);
  await app.listen({ host: config.host, port: config.port });
  return app;
}
