/**
 * Graceful shutdown (signaling/shutdown.ts) with two real servers behind a miniature load
 * balancer and the client's real Portal: `/readyz` says 503 first while the clients stay
 * connected, then the clients are sent away, reconnect through the balancer to the other node and
 * resume their room there.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Portal, type PortalEvents } from '../../client/src/lib/portal.ts';
import { nextPortalEvent } from './helpers.ts';
import { startTcpBalancer } from '../e2e/tcp-balancer.ts';
import { ServerHarness } from './server-harness.ts';

const PROOF = new Uint8Array(32).fill(7);
const harness = new ServerHarness();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await harness.cleanup();
});

/**
 * A TCP load balancer in miniature: each connection goes to the first backend that accepts it,
 * as nginx does with `proxy_next_upstream error` when a node stops listening.
 */
/** A balancer in front of `ports` (the first that accepts), stopped after the test. */
async function failoverProxy(ports: number[]): Promise<string> {
  const balancer = await startTcpBalancer(0, ports);
  cleanups.push(() => balancer.close());
  return `http://127.0.0.1:${balancer.port}`;
}

function portal(url: string): Portal {
  const p = new Portal(url);
  cleanups.push(() => p.destroy());
  return p;
}

const next = <K extends keyof PortalEvents>(p: Portal, event: K, timeoutMs = 10_000) => nextPortalEvent(p, event, timeoutMs);

const port = (url: string) => Number(new URL(url).port);

/** The status and Retry-After of a socket.io WebSocket handshake (an HTTP upgrade request). */
function upgradeStatus(url: string): Promise<{ status: number | undefined; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/socket.io/?EIO=4&transport=websocket`, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] });
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, retryAfter: undefined });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('graceful shutdown', () => {
  it('readyz 503 first, then the clients are sent away and resume their room on the other node', async () => {
    const a = await harness.startServer();
    const b = await harness.startServer();
    const balancer = await failoverProxy([port(a.url), port(b.url)]);

    const rep = portal(balancer);
    const customer = portal(balancer);
    await Promise.all([rep.connect(), customer.connect()]);
    const room = await rep.createRoom();
    const joined = next(rep, 'peer-joined');
    await customer.joinRoom(room.nameplate);
    await joined;
    await rep.claimRoom(PROOF);
    await customer.claimRoom(PROOF);
    expect(a.server.io.of('/').sockets.size).toBe(2);

    const timeline: string[] = [];
    rep.on('disconnected', () => timeline.push('rep disconnected'));
    customer.on('disconnected', () => timeline.push('customer disconnected'));
    const back = Promise.all([next(rep, 'reconnected'), next(customer, 'reconnected')]);
    const stopped = a.server.shutdown(1500); // long enough for the checks below on a busy machine

    // 1. Draining: the load balancer is told, the clients are untouched, newcomers go elsewhere.
    const ready = await fetch(`${a.url}/readyz`);
    timeline.push(`readyz ${ready.status}`);
    expect(await ready.json()).toEqual({ status: 'draining' });
    expect(rep.connected && customer.connected).toBe(true);
    const newcomer = harness.client(a.url);
    await new Promise((resolve) => newcomer.once('connect_error', resolve));
    // As an HTTP 503 that a proxy retries on another node (socket.io's own refusal would be a 400).
    expect(await upgradeStatus(a.url)).toEqual({ status: 503, retryAfter: '5' });
    expect(await upgradeStatus(b.url)).toEqual({ status: 101, retryAfter: undefined });
    expect((await fetch(`${a.url}/socket.io/?EIO=4&transport=polling`)).status).toBe(503);
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200); // everything else is still served
    expect(await a.server.metrics.scrape()).toContain('parley_connections_refused_total{reason="DRAINING"} 3');

    // 2. After the drain: sent away, back through the balancer on the other node.
    await stopped;
    await back;
    expect(timeline[0]).toBe('readyz 503');
    expect(timeline.slice(1).sort()).toEqual(['customer disconnected', 'rep disconnected']);
    expect(b.server.io.of('/').sockets.size).toBe(2);

    // 3. The room is resumed there with the proofs (a fresh node restores it), and relays flow.
    expect(await customer.resumeRoom(room.sid, 'customer', PROOF)).toMatchObject({ peerPresent: false });
    const peerBack = next(customer, 'peer-back');
    expect(await rep.resumeRoom(room.sid, 'rep', PROOF)).toMatchObject({ peerPresent: true });
    await peerBack;
    const got = next(customer, 'relay');
    rep.relay('afterMove');
    expect(await got).toBe('afterMove');

    // Each step is logged, by event name only.
    const events = a.logs.map((line) => (JSON.parse(line) as { event?: string }).event).filter((e) => e?.startsWith('shutdown'));
    expect(events).toEqual(['shutdown-draining', 'shutdown-disconnected', 'shutdown-complete']);
    expect(a.logs.join('')).toContain('"connections":2');
  }, 30_000);

  it('shutdown(0) sends the clients away at once; calling it twice is one shutdown', async () => {
    const { server, logs } = await harness.startServer();
    const first = server.shutdown(0);
    expect(server.shutdown(0)).toBe(first);
    await first;
    expect(logs.filter((line) => line.includes('"shutdown-complete"'))).toHaveLength(1);
  });
});
