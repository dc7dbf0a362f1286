/**
 * Graceful shutdown of one node, so that its clients move to another node and keep their sessions.
 *
 * ```
 *   SIGTERM
 *    1. draining   /readyz answers 503 and new socket.io connections are refused; connected
 *                  clients carry on (their sessions run peer to peer anyway)
 *    2. wait       SHUTDOWN_DRAIN_SECONDS, for the load balancer's health checks to take the
 *                  node out of rotation
 *    3. send away  stop listening, then close every client's connection at the transport level
 *    4. close      once those disconnects are handled (briefly waited for), close the server
 * ```
 *
 * Step 3 closes the transport (the client sees `transport close`) rather than sending socket.io's
 * DISCONNECT packet (`io server disconnect`): socket.io-client reconnects by itself after the
 * former and never after the latter, and during a rolling upgrade the browsers still run the
 * client they loaded before it. Each client reconnects with its usual randomized backoff
 * (0.5–5 s, so the remaining nodes are not hit all at once), reaches another node through the load
 * balancer (this one no longer listens: a proxy retries the next upstream on a refused
 * connection), and resumes its room with its proof.
 *
 * The server handles each of those drops like any other disconnect (rooms.ts `disconnect`): a
 * member of a verified (claimed) room becomes *away*, its place kept for the rejoin window, so a
 * store shared between the nodes hands it back on another node; a room still in setup (code not
 * used yet, or the key exchange under way) loses that member, as the client's session does.
 */
import type { Logger } from './logger.ts';

/** How long step 4 waits for the disconnects of step 3 to be handled before closing anyway. */
export const DISCONNECTS_SETTLE_MS = 2000;

/** Whether the server is draining, and the disconnect handling still under way. */
export class Lifecycle {
  #draining = false;
  readonly #pending = new Set<Promise<unknown>>();

  get draining(): boolean {
    return this.#draining;
  }

  startDraining(): void {
    this.#draining = true;
  }

  /** Work that must finish before the server closes (a disconnect being handled). */
  track(work: Promise<unknown>): void {
    const settled: Promise<unknown> = work.then(
      () => this.#pending.delete(settled),
      () => this.#pending.delete(settled),
    );
    this.#pending.add(settled);
  }

  /** Resolves when the tracked work is done, or after `timeoutMs` whatever remains. */
  async settled(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      while (this.#pending.size > 0) {
        const done = await Promise.race([Promise.all(this.#pending).then(() => true), timeout.then(() => false)]);
        if (!done) return;
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface ShutdownSteps {
  lifecycle: Lifecycle;
  /** Step 2's wait, in milliseconds (0: none, e.g. Ctrl-C on a single node). */
  drainMs: number;
  logger: Logger;
  /** Open client connections, for the log. */
  connections(): number;
  /** Stops accepting TCP connections (open ones stay). */
  stopListening(): void;
  /** Closes every client's connection at the transport level; answers how many. */
  disconnectAll(): number;
  /** Closes what is left (socket.io, the HTTP server). */
  close(): Promise<void>;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs the steps at the top of this file; logs each one (event names and counts only). */
export async function gracefulShutdown(steps: ShutdownSteps): Promise<void> {
  const { lifecycle, drainMs, logger } = steps;
  const sleep = steps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  lifecycle.startDraining();
  logger.info({ event: 'shutdown-draining', drainMs, connections: steps.connections() });
  if (drainMs > 0) await sleep(drainMs);
  steps.stopListening();
  const sent = steps.disconnectAll();
  logger.info({ event: 'shutdown-disconnected', connections: sent });
  await lifecycle.settled(DISCONNECTS_SETTLE_MS);
  await steps.close();
  logger.info({ event: 'shutdown-complete' });
}
