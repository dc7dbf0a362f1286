/**
 * Entry point: `tsx signaling/main.ts` (`npm run serve`, or `npm start` to build the client first).
 * Configuration: see `config.ts`.
 */
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger, errorField } from './logger.ts';
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

logger.info(
  { event: 'state', store: config.redisUrl ? 'redis' : 'memory' },
  config.redisUrl ? 'rooms and limits in Redis, shared with the other nodes' : 'rooms and limits in memory (one node)',
);
if (!server.desk.accounts.accountsExist) {
  logger.warn(
    { event: 'open-mode' },
    'open mode: no rep accounts are configured (DESK_CONFIG), so anyone who can reach /rep can start sessions',
  );
}

try {
  const { port } = await server.listen();
  logger.info({ event: 'listening', port }, `Parley signaling server listening on port ${port}`);
} catch (err) {
  logger.fatal({ event: 'listen-failed', err: errorField(err) }, 'cannot listen');
  process.exit(1);
}

/**
 * SIGTERM (systemd, Docker, Kubernetes, a rolling upgrade): graceful shutdown, draining for
 * SHUTDOWN_DRAIN_SECONDS so the load balancer moves new connections elsewhere first (shutdown.ts).
 * SIGINT (Ctrl-C in a terminal): the same without the wait. A second signal exits at once.
 */
const CLOSE_GRACE_MS = 10_000;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1); // second signal: do not wait
    stopping = true;
    const drainMs = signal === 'SIGTERM' ? config.shutdownDrainSeconds * 1000 : 0;
    logger.info({ event: 'shutdown', signal, drainMs }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ event: 'shutdown-timeout' }, 'shutdown took too long; exiting');
      process.exit(1);
    }, drainMs + CLOSE_GRACE_MS);
    force.unref();
    void server.shutdown(drainMs).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ event: 'shutdown-failed', err: errorField(err) });
        process.exit(1);
      },
    );
  });
}
