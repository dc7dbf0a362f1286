/**
 * `/readyz` and the security headers of the operational settings (HSTS), against the real server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyMetrics } from '../../signaling/metrics.ts';
import { READINESS_TIMEOUT_MS } from '../../signaling/ops-http.ts';
import { ServerHarness } from './server-harness.ts';

const harness = new ServerHarness();
afterEach(() => harness.cleanup());
const { startServer } = harness;

async function readyz(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/readyz`);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('content-type')).toBe('application/json');
  return { status: res.status, body: await res.json() };
}

describe('/readyz', () => {
  it('is ready by default (state in memory depends on nothing)', async () => {
    const { url } = await startServer();
    expect(await readyz(url)).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('answers 503 with the failed checks, a throwing check and a check that does not answer in time', async () => {
    const down = await startServer({}, { readiness: () => Promise.resolve({ ready: false, checks: { redis: 'down' } }) });
    expect(await readyz(down.url)).toEqual({ status: 503, body: { status: 'unavailable', checks: { redis: 'down' } } });

    const throwing = await startServer({}, { readiness: () => Promise.reject(new Error('ECONNREFUSED 10.0.0.5:6379')) });
    expect(await readyz(throwing.url)).toEqual({ status: 503, body: { status: 'unavailable', checks: { readiness: 'down' } } });
    expect(throwing.logs.join('')).toContain('"event":"readiness-check-failed"');

    const hanging = await startServer({}, { readiness: () => new Promise(() => {}) });
    const started = Date.now();
    expect(await readyz(hanging.url)).toEqual({ status: 503, body: { status: 'unavailable', checks: { readiness: 'down' } } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(READINESS_TIMEOUT_MS - 50);
  });

  it('answers 503 draining as soon as a shutdown starts; /healthz stays 200 (the process is alive)', async () => {
    const { url, server } = await startServer();
    const stopped = server.shutdown(1000);
    expect(await readyz(url)).toEqual({ status: 503, body: { status: 'draining' } });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await stopped;
  });
});

describe('HTTP errors and headers', () => {
  it('a route that fails answers 500 and the server goes on', async () => {
    const metrics = new ParleyMetrics();
    metrics.scrape = () => Promise.reject(new Error('boom'));
    const { url, logs } = await startServer({}, { metrics });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('Internal error\n');
    expect(logs.join('')).toContain('"event":"http-error"');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('Permissions-Policy and COOP on every answer; Strict-Transport-Security only with HSTS_SECONDS', async () => {
    const plain = await startServer();
    for (const path of ['/healthz', '/readyz', '/metrics', '/']) {
      const res = await fetch(`${plain.url}${path}`);
      expect(res.headers.get('permissions-policy'), path).toBe('microphone=(), geolocation=(), display-capture=(self)');
      expect(res.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
    }
    const tls = await startServer({ HSTS_SECONDS: '31536000' });
    for (const path of ['/healthz', '/', '/socket.io/?EIO=4&transport=polling']) {
      const res = await fetch(`${tls.url}${path}`);
      expect(res.headers.get('strict-transport-security'), path).toBe('max-age=31536000');
    }
  });
});
