/**
 * Server fuzz run: the real signaling server (`createParleyServer`) on a loopback port, many
 * socket.io-client connections sending random and mutated messages (messages.ts). Afterwards
 * every socket disconnects, and the run checks for crashes, leaks and stuck rooms:
 *
 * - crashes: uncaught exceptions or unhandled rejections in the process, and `error`-level log
 *   lines from the server (a handler that threw);
 * - stuck rooms: `rooms.stats()` must show no rooms and no memberships (tombstones may stay);
 * - leaks: heap after a GC compared with the baseline taken before the run;
 * - still alive: a normal create / join / relay between two fresh clients works.
 *
 * Used by `npm run fuzz:server` (100 000 messages, run-server-fuzz.ts) and by a smaller vitest
 * run (test/unit/server-fuzz.test.ts).
 */
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { io as connectClient, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION } from '../../protocol/version.ts';
import { loadConfig } from '../../signaling/config.ts';
import { createLogger } from '../../signaling/logger.ts';
import { createParleyServer, type ParleyServer } from '../../signaling/server.ts';
import { Rng, nextMessage, type FuzzMemory, type FuzzMessage } from './messages.ts';

export interface FuzzOptions {
  messages: number;
  connections?: number;
  seed?: number;
  /** Messages a connection sends before waiting for the server to catch up. */
  batch?: number;
}

export interface FuzzReport {
  seed: number;
  messagesTried: number;
  crashes: number;
  crashSamples: string[];
  connectionsOpened: number;
  /** Connections the server closed (rate limit, oversized or unparseable packet). */
  connectionsDropped: number;
  roomsCreated: number;
  statsAfter: { rooms: number; sockets: number; tombstones: number; clients: number };
  heapBaselineMb: number;
  heapAfterMb: number;
  stillServes: boolean;
  ms: number;
}

type AnySocket = Socket & { io: { engine: { write(packet: string): void } } };

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function heapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await wait(20);
  }
  return true;
}

export async function runServerFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const connections = options.connections ?? 16;
  const batch = options.batch ?? 40;
  const rng = new Rng(seed);
  const memory: FuzzMemory = { nameplates: [], sids: [], proofs: [] };
  const crashSamples: string[] = [];
  let crashes = 0;
  const crash = (what: string) => {
    crashes++;
    if (crashSamples.length < 10) crashSamples.push(what.slice(0, 300));
  };

  const onUncaught = (err: unknown) => crash(`uncaught: ${String(err)}`);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);

  // Limits high enough that most messages reach the handlers; the rate limiter still kicks in
  // (queue limit, oversized frames), which the run exercises too.
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    JOINS_PER_MINUTE_PER_IP: '1000000',
    ROOMS_PER_MINUTE_PER_IP: '1000000',
    CONNECTIONS_PER_IP: '100000',
    MESSAGES_PER_SECOND_PER_SOCKET: '100000',
    ROOMS_PER_SOCKET: '5',
    // Claimed rooms keep a dropped member's place this long: short, so the run can check that
    // none is left behind once everyone is gone.
    REJOIN_WINDOW_SECONDS: '1',
    // Members get TURN credentials in every room answer and from turn-credentials.
    TURN_SECRET: 'fuzz-run-secret-0123456789abcdef',
    TURN_URLS: 'turn:127.0.0.1:3478?transport=udp',
  });
  const logger = createLogger('error', {
    write: (line: string) => crash(`server log: ${line}`),
  });
  const server: ParleyServer = createParleyServer(config, { logger, staticDir: pathJoin(tmpdir(), 'parley-no-such-dir') });
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;

  const started = Date.now();
  let sent = 0;
  let opened = 0;
  let dropped = 0;
  let roomsCreated = 0;
  const live = new Set<AnySocket>();

  const open = (auth: unknown = { version: PROTOCOL_VERSION }): AnySocket => {
    opened++;
    const socket = connectClient(url, { auth: auth as Record<string, unknown>, transports: ['websocket'], reconnection: false, forceNew: true }) as AnySocket;
    live.add(socket);
    socket.on('disconnect', (reason) => {
      live.delete(socket);
      if (reason !== 'io client disconnect') dropped++;
    });
    socket.on('connect_error', () => live.delete(socket));
    return socket;
  };
  const connected = (socket: AnySocket) =>
    new Promise<boolean>((resolve) => {
      if (socket.connected) return resolve(true);
      const timer = setTimeout(() => resolve(false), 3000);
      socket.once('connect', () => (clearTimeout(timer), resolve(true)));
      socket.once('connect_error', () => (clearTimeout(timer), resolve(false)));
    });

  const learn = (result: unknown) => {
    if (typeof result !== 'object' || result === null) return;
    const r = result as { ok?: unknown; nameplate?: unknown; sid?: unknown };
    if (r.ok !== true) return;
    if (typeof r.nameplate === 'string') {
      roomsCreated++;
      memory.nameplates.push(r.nameplate);
      if (memory.nameplates.length > 200) memory.nameplates.shift();
    }
    if (typeof r.sid === 'string') {
      memory.sids.push(r.sid);
      if (memory.sids.length > 200) memory.sids.shift();
    }
  };

  const send = (socket: AnySocket, message: FuzzMessage) => {
    try {
      if (message.kind === 'raw') return socket.io.engine.write(message.packet);
      const raw = socket as unknown as { emit(event: string, ...args: unknown[]): void };
      if (message.ack) raw.emit(message.event, ...message.args, learn);
      else raw.emit(message.event, ...message.args);
    } catch {
      // socket.io-client refuses some names itself ("reserved event"): counted, nothing sent
    }
  };

  async function worker(): Promise<void> {
    let socket: AnySocket | null = null;
    while (sent < options.messages) {
      if (!socket || !socket.connected) {
        socket?.disconnect();
        // Now and then a handshake with a bad version or a junk auth payload.
        if (rng.chance(0.02)) {
          sent++;
          const bad = open(rng.pick([{ version: 0 }, { version: '1' }, null, 'x', [1], { version: 1e308 }]));
          await connected(bad);
          bad.disconnect();
          continue;
        }
        socket = open();
        if (!(await connected(socket))) continue;
      }
      for (let i = 0; i < batch && sent < options.messages && socket.connected; i++) {
        sent++;
        send(socket, nextMessage(rng, memory));
      }
      // Wait for the server to work through this socket's queue (events are handled in order).
      if (socket.connected) {
        try {
          await (socket as unknown as { timeout(ms: number): { emitWithAck(e: string, p: unknown): Promise<unknown> } }).timeout(5000).emitWithAck('join-room', { nameplate: '100000' });
        } catch {
          socket.disconnect(); // no answer: drop it and carry on with a fresh one
        }
      }
    }
    socket?.disconnect();
  }

  await wait(200);
  const heapBaselineMb = heapMb();
  // A bug in the harness itself must fail the run, not hang it behind the listening server.
  const harness = await Promise.allSettled(Array.from({ length: connections }, () => worker()));
  const harnessError = harness.find((r): r is PromiseRejectedResult => r.status === 'rejected');

  for (const socket of live) socket.disconnect();
  await waitFor(async () => server.io.engine.clientsCount === 0 && (await server.rooms.stats()).sockets === 0, 10_000);
  // Places kept for members that dropped (the rejoin window) must run out too.
  await waitFor(async () => (await server.rooms.stats()).rooms === 0, 10_000);
  await wait(100);
  const stats = await server.rooms.stats();
  const statsAfter = { rooms: stats.rooms, sockets: stats.sockets, tombstones: stats.tombstones, clients: server.io.engine.clientsCount };
  const heapAfterMb = heapMb();
  const stillServes = await normalSession(url);

  await server.close();
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  if (harnessError) throw harnessError.reason;
  return {
    seed,
    messagesTried: sent,
    crashes,
    crashSamples,
    connectionsOpened: opened,
    connectionsDropped: dropped,
    roomsCreated,
    statsAfter,
    heapBaselineMb,
    heapAfterMb,
    stillServes,
    ms: Date.now() - started,
  };
}

/** A rep creates a room, a customer joins, a relay goes across: the server still does its job. */
async function normalSession(url: string): Promise<boolean> {
  const make = () => connectClient(url, { auth: { version: PROTOCOL_VERSION }, transports: ['websocket'], reconnection: false, forceNew: true });
  const rep = make();
  const customer = make();
  try {
    const created = (await rep.timeout(3000).emitWithAck('create-room', {})) as { ok: boolean; nameplate?: string };
    if (!created.ok || !created.nameplate) return false;
    const joined = (await customer.timeout(3000).emitWithAck('join-room', { nameplate: created.nameplate })) as { ok: boolean };
    if (!joined.ok) return false;
    const got = new Promise<string>((resolve, reject) => {
      setTimeout(() => reject(new Error('no relay')), 3000);
      rep.once('relay', (msg: { data: string }) => resolve(msg.data));
    });
    customer.emit('relay', { data: 'AQID' });
    return (await got) === 'AQID';
  } catch {
    return false;
  } finally {
    rep.disconnect();
    customer.disconnect();
  }
}
