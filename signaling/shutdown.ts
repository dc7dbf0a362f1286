/**
 * Graceful shutdown of one node, so that its clients move to another node and keep their sessions.
 *
 * ```
 *   SIGTERM
 *    1. draining   /readyz answers 503 and new socket.io connections get an HTTP 503 (a proxy
 *                  such as nginx retries those on another node); connected clients carry on
 *                  (their sessions run peer to peer anyway), pages are still served
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
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
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

/** socket.io's path: handshakes (WebSocket upgrades, and polling requests) start with it. */
const SIGNALING_PATH = '/socket.io/';
const RETRY_AFTER_SECONDS = '5';
const DRAINING_BODY = 'Draining: connect to another node\n';

/**
 * While draining, answers new socket.io handshakes with HTTP 503 `Retry-After` before socket.io
 * sees them. socket.io's own refusal (`allowRequest`) would answer 400 to a WebSocket upgrade,
 * which no proxy retries; a 503 is retried on the next node by nginx (`proxy_next_upstream
 * http_503`) and HAProxy (`retry-on 503`), and a client that gets it simply tries again later.
 * Call once socket.io is attached to `httpServer` (it wraps the listeners present then).
 */
export function refuseSignalingWhileDraining(httpServer: HttpServer, draining: () => boolean, onRefused: () => void): void {
  const isSignaling = (req: IncomingMessage) => (req.url ?? '').startsWith(SIGNALING_PATH);

  const upgradeListeners = httpServer.listeners('upgrade') as ((req: IncomingMessage, socket: Duplex, head: Buffer) => void)[];
  httpServer.removeAllListeners('upgrade');
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!draining() || !isSignaling(req)) {
      for (const listener of upgradeListeners) listener.call(httpServer, req, socket, head);
      return;
    }
    onRefused();
    socket.on('error', () => {}); // the client may be gone already
    socket.end(
      `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: ${RETRY_AFTER_SECONDS}\r\nCache-Control: no-store\r\n` +
        `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(DRAINING_BODY)}\r\n\r\n${DRAINING_BODY}`,
    );
  });

  const requestListeners = httpServer.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!draining() || !isSignaling(req)) {
      for (const listener of requestListeners) listener.call(httpServer, req, res);
      return;
    }
    onRefused();
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': RETRY_AFTER_SECONDS });
    res.end(DRAINING_BODY);
  });
}
