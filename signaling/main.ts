/**
 * Entry point: `tsx signaling/main.ts` (`npm run serve`, or `npm start` to build the client first).
 * Configuration: see `config.ts`.
 */
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger } from './logger.ts';
import { createParleyServer } from './server.ts';

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`Parley: ${err.message}`);
    process.exit(1);
  }
  throw err;
}

const logger = createLogger(config.logLevel);
const server = createParleyServer(config, { logger });

logger.warn(
  { event: 'open-mode' },
  'open mode: no rep accounts are configured, so anyone who can reach /rep can start sessions',
);

try {
  const { port } = await server.listen();
  logger.info({ event: 'listening', port }, `Parley signaling server listening on port ${port}`);
} catch (err) {
  logger.fatal({ event: 'listen-failed', err: { message: (err as Error).message } }, 'cannot listen');
  process.exit(1);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1); // second signal: do not wait
    stopping = true;
    logger.info({ event: 'shutdown', signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    void server.close().then(() => process.exit(0));
  });
}
