/**
 * Load generator of the signaling bench: a child process (Node IPC) that holds many
 * socket.io-client sockets and speaks the real protocol with them. Both sockets of a session
 * live here, so join-to-paired is measured on one clock. Requests: see `messages.ts`.
 *
 * Each socket binds its own loopback source address (127.0.<g>.<2…251>): one source address has
 * only ~28 000 ephemeral ports, and a bench run opens and closes more connections than that.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { toBase64Url } from '../../../protocol/base64.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../protocol/signaling.ts';
import { PROTOCOL_VERSION } from '../../../protocol/version.ts';
import type { Envelope, ErrorCounts, JoinsResult, OpenResult, ProbeResult, RelayResult, Reply, Request, Results } from './messages.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Session {
  rep: Client;
  customer: Client;
  nameplate: string;
  sid: string;
  /** Called with the time the rep got `peer-joined`. */
  onPaired: ((at: number) => void) | null;
}

/** Every wait of a single step (connect, ack, pairing, a probe relay) gives up after this. */
const STEP_TIMEOUT_MS = 15_000;
/**
 * Sessions being opened at once, so a server that falls behind is not buried in a backlog (its
 * connections would time out): the ramp slows down instead, which shows in the time to open.
 */
const MAX_OPENING = 200;
const PROGRESS_EVERY_MS = 2000;

const generatorIndex = Number(process.env.BENCH_GENERATOR_INDEX ?? 0);
const pools = new Map<string, Session[]>();
/** `server-error` codes the server sent to any socket (e.g. RATE_LIMITED), for the report. */
const serverErrors: ErrorCounts = {};
let nextAddress = 0;

class StepError extends Error {}

const count = (errors: ErrorCounts, code: string) => void (errors[code] = (errors[code] ?? 0) + 1);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const codeOf = (err: unknown) => (err instanceof StepError ? err.message : err instanceof Error && /timed out/.test(err.message) ? 'ACK_TIMEOUT' : 'ERROR');

function connect(url: string): Promise<Client> {
  const options: Partial<ManagerOptions & SocketOptions> & { localAddress: string } = {
    auth: { version: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: STEP_TIMEOUT_MS,
    // Passed through engine.io-client to `ws` (not in its typings).
    localAddress: `127.0.${(generatorIndex % 250) + 1}.${2 + (nextAddress++ % 250)}`,
  };
  const socket: Client = io(url, options);
  socket.on('server-error', ({ code }) => count(serverErrors, code));
  return new Promise((resolve, reject) => {
    const fail = (code: string) => {
      clearTimeout(timer);
      socket.disconnect();
      reject(new StepError(code));
    };
    const timer = setTimeout(() => fail('CONNECT_TIMEOUT'), STEP_TIMEOUT_MS);
    socket.once('connect', () => (clearTimeout(timer), resolve(socket)));
    socket.once('connect_error', (err) => fail(`CONNECT_ERROR ${err.message}`));
  });
}

async function openSession(repUrl: string, customerUrl: string): Promise<Session> {
  const sockets = await Promise.allSettled([connect(repUrl), connect(customerUrl)]);
  const [rep, customer] = sockets.map((s) => (s.status === 'fulfilled' ? s.value : null));
  if (!rep || !customer) {
    rep?.disconnect();
    customer?.disconnect();
    throw sockets.find((s) => s.status === 'rejected')?.reason;
  }
  try {
    const created = await rep.timeout(STEP_TIMEOUT_MS).emitWithAck('create-room', {});
    if (!created.ok) throw new StepError(created.error);
    const session: Session = { rep, customer, nameplate: created.nameplate, sid: created.sid, onPaired: null };
    rep.on('peer-joined', () => session.onPaired?.(performance.now()));
    return session;
  } catch (err) {
    rep.disconnect();
    customer.disconnect();
    throw err;
  }
}

/** The customer joins; resolves with join-to-paired in ms once both the ack and `peer-joined` are in. */
async function join(session: Session): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const paired = new Promise<number>((resolve, reject) => {
    session.onPaired = resolve;
    timer = setTimeout(() => reject(new StepError('PAIR_TIMEOUT')), STEP_TIMEOUT_MS);
  });
  paired.catch(() => {}); // awaited below only if the join was accepted
  const t0 = performance.now();
  try {
    const ack = await session.customer.timeout(STEP_TIMEOUT_MS).emitWithAck('join-room', { nameplate: session.nameplate });
    if (!ack.ok) throw new StepError(ack.error);
    return (await paired) - t0;
  } finally {
    clearTimeout(timer);
    session.onPaired = null;
  }
}

/** Starts `task(i)` for i < n at `rate` per second, at most MAX_OPENING at once. Tasks must not reject. */
async function ramp(n: number, rate: number, task: (i: number) => Promise<void>): Promise<void> {
  const t0 = performance.now();
  const running = new Set<Promise<void>>();
  for (let started = 0; started < n; ) {
    const due = Math.min(n, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    while (started < due && running.size < MAX_OPENING) {
      const p: Promise<void> = task(started++).finally(() => running.delete(p));
      running.add(p);
    }
    if (running.size >= MAX_OPENING) await Promise.race(running);
    else await sleep(Math.max(1, (started / rate) * 1000 - (performance.now() - t0)));
  }
  await Promise.all(running);
}

async function open(req: Extract<Request, { cmd: 'open' }>): Promise<OpenResult> {
  const pool = pools.get(req.pool) ?? [];
  pools.set(req.pool, pool);
  const errors: ErrorCounts = {};
  let ok = 0;
  let failed = 0;
  const progress = setInterval(() => send({ progress: { pool: req.pool, ok, failed } }), PROGRESS_EVERY_MS);
  const t0 = performance.now();
  try {
    await ramp(req.sessions, req.rate, async () => {
      try {
        const session = await openSession(req.repUrl, req.customerUrl);
        pool.push(session); // kept even if the join fails, so `close` disconnects it
        if (req.join) await join(session);
        ok++;
      } catch (err) {
        failed++;
        count(errors, codeOf(err));
      }
    });
  } finally {
    clearInterval(progress);
  }
  return { ok, failed, errors, ms: performance.now() - t0 };
}

async function probe(req: Extract<Request, { cmd: 'probe' }>): Promise<ProbeResult> {
  const sample = (pools.get(req.pool) ?? []).slice(0, req.count);
  const data = toBase64Url(randomBytes(150));
  const results = await Promise.all(
    sample.map(
      (s) =>
        new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), STEP_TIMEOUT_MS);
          s.customer.once('relay', (msg) => (clearTimeout(timer), resolve(msg.data === data)));
          s.rep.emit('relay', { sid: s.sid, data });
        }),
    ),
  );
  return { delivered: results.filter(Boolean).length, count: sample.length };
}

/**
 * Fires the joins on a fixed schedule (join i at t0 + i/rate), never in bursts: a join that is
 * due while an earlier one is still being answered goes out anyway (an open-loop load, as
 * independent customers would). Latency is taken from the real emit; `lag` says how far the
 * generator's own event loop let the schedule slip.
 */
async function joins(req: Extract<Request, { cmd: 'joins' }>): Promise<JoinsResult> {
  const sessions = pools.get(req.pool) ?? [];
  const latencies: number[] = [];
  const lags: number[] = [];
  const errors: ErrorCounts = {};
  const inFlight: Promise<void>[] = [];
  // The generator's own stalls (GC of tens of thousands of client sockets, other work on its CPU)
  // delay when it sees `peer-joined` just as a slow server would: measured, so they can be told apart.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  // performance.timeOrigin + now(): the epoch clock, shared with the other generators.
  const t0 = req.startAt - performance.timeOrigin;
  let firstEmit = NaN;
  let lastEmit = NaN;
  for (const [i, session] of sessions.entries()) {
    const due = t0 + ((i * req.stride + req.offset) * 1000) / req.rate;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait); // fires up to ~1 ms late: counted in `lag`
    lastEmit = performance.now();
    if (i === 0) firstEmit = lastEmit;
    lags.push(lastEmit - due);
    inFlight.push(join(session).then((ms) => void latencies.push(ms), (err: unknown) => count(errors, codeOf(err))));
  }
  await Promise.all(inFlight);
  loop.disable();
  lags.sort((a, b) => a - b);
  return {
    latencies,
    errors,
    loopDelayP99: loop.percentile(99) / 1e6,
    loopDelayMax: loop.max / 1e6,
    lagP99: lags[Math.max(0, Math.ceil(lags.length * 0.99) - 1)] ?? 0,
    lagMax: lags.at(-1) ?? 0,
    fired: sessions.length,
    firstAt: performance.timeOrigin + firstEmit,
    lastAt: performance.timeOrigin + lastEmit,
  };
}

/**
 * Ping-pong: each side of each session starts `inFlight` relays and echoes back every relay it
 * receives, so a session never has more than 2 × inFlight messages queued (the server
 * disconnects a socket whose queue overflows) and every socket sends as fast as answers come.
 */
async function relay(req: Extract<Request, { cmd: 'relay' }>): Promise<RelayResult> {
  const sessions = pools.get(req.pool) ?? [];
  const data = toBase64Url(randomBytes(Math.ceil((req.dataChars * 3) / 4))).slice(0, req.dataChars);
  const before = { ...serverErrors };
  let running = true;
  let counting = false;
  let received = 0;
  const sockets = sessions.flatMap((s) => [{ socket: s.rep, sid: s.sid }, { socket: s.customer, sid: s.sid }]);
  for (const { socket, sid } of sockets) {
    socket.on('relay', (msg) => {
      if (counting) received++;
      if (running) socket.emit('relay', { sid, data: msg.data });
    });
  }
  for (const { socket, sid } of sockets) for (let k = 0; k < req.inFlight; k++) socket.emit('relay', { sid, data });
  await sleep(req.warmupMs);
  counting = true;
  const t0 = performance.now();
  await sleep(req.windowMs);
  counting = false;
  const ms = performance.now() - t0;
  running = false;
  await sleep(1000); // let the balls still in flight land before the next run starts
  for (const { socket } of sockets) socket.off('relay');
  const errors: ErrorCounts = {};
  for (const [code, n] of Object.entries(serverErrors)) if (n !== before[code]) errors[code] = n - (before[code] ?? 0);
  for (const s of sessions) if (s.rep.disconnected || s.customer.disconnected) count(errors, 'DISCONNECTED');
  return { received, ms, errors };
}

async function close(req: Extract<Request, { cmd: 'close' }>): Promise<{ closed: number }> {
  const sessions = pools.get(req.pool) ?? [];
  pools.delete(req.pool);
  for (const s of sessions) (s.rep.disconnect(), s.customer.disconnect());
  return { closed: sessions.length };
}

function send(reply: Reply): void {
  process.send?.(reply);
}

async function handle(req: Request): Promise<Results[keyof Results]> {
  switch (req.cmd) {
    case 'open':
      return open(req);
    case 'probe':
      return probe(req);
    case 'joins':
      return joins(req);
    case 'relay':
      return relay(req);
    case 'close':
      return close(req);
  }
}

if (!process.send) throw new Error('generator.ts runs as a child of test/bench/signaling.ts (IPC channel)');
process.on('message', (msg: Envelope) => {
  handle(msg).then(
    (result) => send({ id: msg.id, result }),
    (err: unknown) => send({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
// The bench went away (finished, crashed, Ctrl-C): nothing left to do here.
process.on('disconnect', () => process.exit(0));
