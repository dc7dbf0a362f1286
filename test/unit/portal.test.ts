/**
 * The client's Portal against the real signaling server (Node socket.io-client): the first
 * connect fails fast, later drops reconnect by themselves (also when the server disconnects the
 * socket on purpose), claim/resume, relays dropped while disconnected, and a server restart on
 * the same port.
 */
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Portal, type PortalEvents } from '../../client/src/lib/portal.ts';
import { nextPortalEvent } from './helpers.ts';
import { ParleyError } from '../../protocol/errors.ts';
import { loadConfig } from '../../signaling/config.ts';
import { createLogger } from '../../signaling/logger.ts';
import { createParleyServer, type ParleyServer } from '../../signaling/server.ts';

const PROOF = new Uint8Array(32).fill(7);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(port = 0, env: Record<string, string> = {}): Promise<{ server: ParleyServer; url: string; port: number }> {
  const config = loadConfig({ HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'silent', ...env });
  const server = createParleyServer(config, { logger: createLogger('silent'), staticDir: pathJoin(tmpdir(), 'parley-no-such-dir') });
  const listening = await server.listen();
  const closeOnce = server.close.bind(server);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await closeOnce();
  };
  cleanups.push(close);
  return { server: Object.assign(server, { close }), url: `http://127.0.0.1:${listening.port}`, port: listening.port };
}

function portal(url: string): Portal {
  const p = new Portal(url);
  cleanups.push(() => p.destroy());
  return p;
}

const next = <K extends keyof PortalEvents>(p: Portal, event: K, timeoutMs = 8000) => nextPortalEvent(p, event, timeoutMs);

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Closes the server side of a portal's connection like a network cut (not a clean leave). */
function cut(server: ParleyServer): void {
  for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
}

async function pairAndClaim(url: string) {
  const rep = portal(url);
  const customer = portal(url);
  await Promise.all([rep.connect(), customer.connect()]);
  const room = await rep.createRoom();
  const joined = next(rep, 'peer-joined');
  await customer.joinRoom(room.nameplate);
  await joined;
  await rep.claimRoom(PROOF);
  await customer.claimRoom(PROOF);
  return { rep, customer, sid: room.sid };
}

describe('Portal', () => {
  it('the first connect still fails fast with SERVER_UNREACHABLE', async () => {
    const started = Date.now();
    const p = portal(`http://127.0.0.1:${await freePort()}`);
    await expect(p.connect()).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('claimRoom validates the proof and reports refusals as ParleyErrors', async () => {
    const { url } = await startServer();
    const p = portal(url);
    await p.connect();
    await expect(p.claimRoom(new Uint8Array(31))).rejects.toMatchObject({ code: 'MALFORMED' });
    const err = await p.claimRoom(PROOF).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect(err).toMatchObject({ code: 'NOT_IN_ROOM' });
  });

  it('room answers carry the ICE settings; turnCredentials gives fresh ones to a member only', async () => {
    const { url } = await startServer(0, { TURN_SECRET: 'portal-test-secret-0123456789', TURN_URLS: 'turn:127.0.0.1:3478', ICE_TRANSPORT_POLICY: 'relay' });
    const stranger = portal(url);
    await stranger.connect();
    await expect(stranger.turnCredentials()).rejects.toMatchObject({ code: 'NOT_IN_ROOM' });

    const rep = portal(url);
    await rep.connect();
    const room = await rep.createRoom();
    expect(room).toMatchObject({ iceTransportPolicy: 'relay', iceServersTtlSeconds: 900 });
    expect(room.iceServers[0]).toMatchObject({ urls: ['turn:127.0.0.1:3478'], username: expect.stringMatching(/^\d+:/) as unknown });
    const fresh = await rep.turnCredentials();
    expect(fresh).toMatchObject({ iceTransportPolicy: 'relay', iceServersTtlSeconds: 900 });
    expect(fresh.iceServers[0]?.username).not.toBe(room.iceServers[0]?.username);
  });

  it('a dropped connection reconnects by itself; resumeRoom takes the place back; the peer sees away/back', async () => {
    const { server, url } = await startServer();
    const { rep, customer, sid } = await pairAndClaim(url);
    const customerSocketId = [...server.io.of('/').sockets.values()].at(-1)!;
    const dropped = next(customer, 'disconnected');
    const reconnected = next(customer, 'reconnected');
    const away = next(rep, 'peer-away');
    customerSocketId.conn.close();
    await dropped;
    expect(customer.relay('lost')).toBe(false); // dropped, not buffered
    await away;
    await reconnected;
    const back = next(rep, 'peer-back');
    expect(await customer.resumeRoom(sid, 'customer', PROOF)).toMatchObject({ peerPresent: true, iceServers: [] });
    await back;
    const got = next(rep, 'relay');
    expect(customer.relay('afterResume')).toBe(true);
    expect(await got).toBe('afterResume'); // the first relay after the cut: 'lost' never arrived
    const toCustomer = next(customer, 'relay');
    rep.relay('hello');
    expect(await toCustomer).toBe('hello');
  });

  it('a socket the server disconnects on purpose (io server disconnect) reconnects too, and resumes', async () => {
    // socket.io-client alone stays disconnected after a server-side `socket.disconnect(true)`.
    const { server, url } = await startServer();
    const { rep, customer, sid } = await pairAndClaim(url);
    const customerSocket = [...server.io.of('/').sockets.values()].at(-1)!;
    const dropped = next(customer, 'disconnected');
    const reconnected = next(customer, 'reconnected');
    const away = next(rep, 'peer-away');
    customerSocket.disconnect(true);
    await dropped;
    await away;
    await reconnected;
    const back = next(rep, 'peer-back');
    expect(await customer.resumeRoom(sid, 'customer', PROOF)).toMatchObject({ peerPresent: true });
    await back;
    const got = next(rep, 'relay');
    customer.relay('afterServerDisconnect');
    expect(await got).toBe('afterServerDisconnect');
  });

  it('requests while disconnected reject at once', async () => {
    const { server, url } = await startServer();
    const p = portal(url);
    await p.connect();
    const dropped = next(p, 'disconnected');
    await server.close();
    await dropped;
    await expect(p.createRoom()).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' });
  });

  it('signaling outage: the server restarts on the same port, both portals come back and resume', async () => {
    const first = await startServer();
    const { rep, customer, sid } = await pairAndClaim(first.url);
    const back = Promise.all([next(rep, 'reconnected', 15_000), next(customer, 'reconnected', 15_000)]);
    await first.server.close();
    await startServer(first.port);
    await back;
    expect(await customer.resumeRoom(sid, 'customer', PROOF)).toMatchObject({ peerPresent: false });
    const peerBack = next(customer, 'peer-back');
    expect(await rep.resumeRoom(sid, 'rep', PROOF)).toMatchObject({ peerPresent: true });
    await peerBack;
    const got = next(customer, 'relay');
    rep.relay('afterRestart');
    expect(await got).toBe('afterRestart');
  }, 30_000);

  it('a reconnection refused by the server (RATE_LIMITED) is tried again until it gets through', async () => {
    const { server, url } = await startServer(0, { CONNECTIONS_PER_IP: '1' });
    const p = portal(url);
    await p.connect();
    const dropped = next(p, 'disconnected');
    cut(server);
    await dropped;
    const squatter = portal(url); // takes the only connection slot before the portal comes back
    await squatter.connect();
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the portal's first retries are refused
    const reconnected = next(p, 'reconnected', 10_000);
    squatter.destroy();
    await reconnected;
  }, 20_000);

  it('destroy() stops reconnecting and silences the portal', async () => {
    const { server, url } = await startServer();
    const p = portal(url);
    await p.connect();
    const events: string[] = [];
    p.on('disconnected', () => events.push('disconnected'));
    p.on('reconnected', () => events.push('reconnected'));
    p.destroy();
    cut(server);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(events).toEqual([]);
    expect(server.io.of('/').sockets.size).toBe(0);
  });
});
