/**
 * The operational HTTP routes: `/readyz` for load balancers and `/metrics` for Prometheus.
 * (`/healthz`, liveness, stays in http.ts: it must answer without waiting for anything.)
 *
 * - `/readyz`: 200 `{"status":"ready"}` when the readiness check passes; 503
 *   `{"status":"unavailable","checks":{"redis":"down"}}` when it does not (or does not answer
 *   within {@link READINESS_TIMEOUT_MS}); 503 `{"status":"draining"}` while the server shuts down,
 *   so the load balancer stops sending it new connections.
 * - `/metrics`: the Prometheus text format. Metrics are operational, not secret, but they should
 *   not be public: with `METRICS_TOKEN` set, it wants `Authorization: Bearer <token>` (401
 *   otherwise); without it, keep `/metrics` off the public side of the reverse proxy.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from './http.ts';
import { errorField, type Logger } from './logger.ts';
import type { ParleyMetrics } from './metrics.ts';

export const READYZ_PATH = '/readyz';
export const METRICS_PATH = '/metrics';

/** What a readiness check found: each dependency `ok` or `down` (e.g. `{ redis: 'ok' }`). */
export interface Readiness {
  ready: boolean;
  checks: Record<string, 'ok' | 'down'>;
}

export type ReadinessCheck = () => Promise<Readiness>;

/** One process with its state in memory depends on nothing: always ready (until it drains). */
export const ALWAYS_READY: ReadinessCheck = () => Promise.resolve({ ready: true, checks: {} });

/** A readiness check slower than this counts as failed: a load balancer's own timeout is a few seconds. */
export const READINESS_TIMEOUT_MS = 2000;

export interface OpsRoutesOptions {
  metrics: ParleyMetrics;
  /** `METRICS_TOKEN`; null: `/metrics` is open to whoever reaches it. */
  metricsToken: string | null;
  readiness: ReadinessCheck;
  /** True once shutdown started. */
  draining: () => boolean;
  logger: Logger;
}

export function opsRoutes(options: OpsRoutesOptions): ReadonlyMap<string, HttpRoute> {
  const { metrics, metricsToken, readiness, draining, logger } = options;
  // The token's digest, so the comparison below is between two 32-byte values whatever the lengths.
  const expected = metricsToken === null ? null : sha256(metricsToken);

  const readyz: HttpRoute = async (_req, res) => {
    if (draining()) return sendJson(res, 503, { status: 'draining' });
    const result = await withTimeout(Promise.resolve().then(readiness), READINESS_TIMEOUT_MS).catch((err: unknown): Readiness => {
      logger.warn({ event: 'readiness-check-failed', err: errorField(err) });
      return { ready: false, checks: { readiness: 'down' } };
    });
    // Shutdown may have started while the check ran.
    if (draining()) return sendJson(res, 503, { status: 'draining' });
    if (result.ready) return sendJson(res, 200, { status: 'ready' });
    sendJson(res, 503, { status: 'unavailable', checks: result.checks });
  };

  const metricsRoute: HttpRoute = async (req, res) => {
    if (expected !== null && !bearerMatches(req, expected)) {
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'WWW-Authenticate': 'Bearer realm="parley-metrics"' });
      res.end('Unauthorized\n');
      return;
    }
    const text = await metrics.scrape((err) => logger.warn({ event: 'metrics-stats-failed', err: errorField(err) }));
    res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
    res.end(text);
  };

  return new Map([
    [READYZ_PATH, readyz],
    [METRICS_PATH, metricsRoute],
  ]);
}

/** `Authorization: Bearer <token>` with the expected token, compared in constant time. */
function bearerMatches(req: IncomingMessage, expected: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
  const given = sha256(match?.[1] ?? '');
  return timingSafeEqual(given, expected) && match !== null;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
