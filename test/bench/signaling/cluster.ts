/**
 * The servers under test (one node, or two nodes and redis-server), how sessions are opened on
 * them through the generators, and what every phase shares (options, pinning, file limit).
 */
import { mkdirSync } from 'node:fs';
import type { ErrorCounts, OpenResult } from './messages.ts';
import { cpuMeter, rssMB, settle, startRedis, startServer, type CpuUse, type Generator, type pinning, type ServerProcess } from './processes.ts';
import { cpu, errorList, mb, mergeErrors, num } from './report.ts';

export interface Options {
  sessions: number;
  rate: number;
  seconds: number;
  runs: number;
  ramp: number;
  relaySessions: number;
  relaySeconds: number;
  phases: Set<string>;
  portBase: number;
  /** Directory for the servers' V8 CPU profiles, if asked. */
  cpuProf: string | undefined;
  /** More flags for the servers' `node` (diagnosis: `--trace-gc`, `--max-semi-space-size=…`). */
  serverNodeArgs: string[];
}

export interface Bench {
  opt: Options;
  pin: ReturnType<typeof pinning>;
  /** Files a child process may open (`ulimit -Hn`). */
  openFiles: number;
  /** Sockets one process may hold: its open-file limit less what it needs besides them. */
  fdCap: number;
  generators: Generator[];
  /** How long the server waited for a CPU in each measurement (`CpuUse.waiting`), to warn when the machine was busy. */
  waited: number[];
}

export interface Mode {
  nodes: 1 | 2;
  title: string;
}

export interface Cluster {
  pids: number[];
  repUrl: string;
  customerUrl: string;
  stop(): Promise<void>;
}

/** Two nodes that do not see each other's rooms: the mode is skipped, with this message. */
export class NotShared extends Error {}

/**
 * All load comes from loopback, so the per-IP limits are lifted; so is the per-socket message
 * rate, so that the relay phase measures the server rather than its limiter.
 */
const SERVER_ENV = {
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  JOINS_PER_MINUTE_PER_IP: '1000000',
  ROOMS_PER_MINUTE_PER_IP: '1000000',
  CONNECTIONS_PER_IP: '1000000',
  MESSAGES_PER_SECOND_PER_SOCKET: '1000000',
  MAX_ROOMS: '400000',
};
const WARMUP_SESSIONS = 200;

export const rssOf = (c: Cluster) => c.pids.reduce((sum, pid) => sum + rssMB(pid), 0);

/** Most sessions the server side can hold: one socket each per node with two nodes, two on one node. */
export const serverSessionCap = (bench: Bench, mode: Mode) => (mode.nodes === 1 ? Math.floor(bench.fdCap / 2) : bench.fdCap);

/** Fresh server(s) for a phase; reps connect to the first node, customers to the last. */
export async function startCluster(bench: Bench, mode: Mode, phase: string): Promise<Cluster> {
  const { opt, pin } = bench;
  const profDir = opt.cpuProf ? `${opt.cpuProf}/${mode.nodes}-node-${phase}` : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const nodeArgs = [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...opt.serverNodeArgs];
  const redis = mode.nodes === 2 ? await startRedis(opt.portBase + 79, pin.load) : null;
  const env = { ...SERVER_ENV, ...(redis ? { REDIS_URL: redis.url } : {}) };
  const servers: ServerProcess[] = [];
  const stop = async () => void (await Promise.all([...servers.map((s) => s.stop()), redis?.stop()]));
  try {
    for (let i = 0; i < mode.nodes; i++) servers.push(await startServer(`server ${'AB'[i]}`, opt.portBase + 1 + i, pin.server, env, nodeArgs));
    const cluster: Cluster = { pids: servers.map((s) => s.pid), repUrl: servers[0]!.url, customerUrl: servers.at(-1)!.url, stop };
    await preflight(bench, cluster, mode);
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** One session end to end before anything is measured: a broken setup fails here in seconds, with its reason. */
async function preflight(bench: Bench, cluster: Cluster, mode: Mode): Promise<void> {
  const gen = bench.generators[0]!;
  const result = await gen.call({ cmd: 'open', pool: 'preflight', sessions: 1, rate: 1, repUrl: cluster.repUrl, customerUrl: cluster.customerUrl, join: true }, 60_000);
  await gen.call({ cmd: 'close', pool: 'preflight' }, 10_000);
  if (result.ok === 1) return;
  const why = errorList(result.errors);
  if (mode.nodes === 2 && ('ROOM_NOT_FOUND' in result.errors || 'PAIR_TIMEOUT' in result.errors)) {
    throw new NotShared(`nodes do not share state: is REDIS_URL supported? (a room created on node A, joined on node B: ${why})`);
  }
  throw new Error(`a single session could not be opened: ${why}`);
}

export interface Opened extends OpenResult {
  serverCpu: CpuUse;
  generatorCpu: CpuUse;
}

/** Opens `sessions` over `gens` at `opt.ramp` per second in all, printing progress every few seconds. */
export async function openSessions(bench: Bench, cluster: Cluster, gens: Generator[], pool: string, sessions: number, join: boolean, label: string): Promise<Opened> {
  const shares = gens.map((_, i) => Math.floor(sessions / gens.length) + (i < sessions % gens.length ? 1 : 0));
  for (const g of gens) g.progress = null;
  const server = cpuMeter(cluster.pids);
  const generator = cpuMeter(gens.map((g) => g.pid));
  const timer = setInterval(() => {
    const ours = gens.map((g) => (g.progress?.pool === pool ? g.progress : { ok: 0, failed: 0 }));
    const done = ours.reduce((sum, p) => sum + p.ok, 0);
    const failed = ours.reduce((sum, p) => sum + p.failed, 0);
    console.log(`  ${label}: ${num(done)} of ${num(sessions)}${failed ? `, ${num(failed)} failed` : ''} — server RSS ${mb(rssOf(cluster))}, CPU ${cpu(server())}; generators' CPU ${cpu(generator())}`);
  }, 3000);
  const timeoutMs = (sessions / bench.opt.ramp) * 3000 + 120_000;
  try {
    const results = await Promise.all(
      gens.map((g, i) => g.call({ cmd: 'open', pool, sessions: shares[i]!, rate: bench.opt.ramp / gens.length, repUrl: cluster.repUrl, customerUrl: cluster.customerUrl, join }, timeoutMs)),
    );
    const errors: ErrorCounts = {};
    for (const r of results) mergeErrors(errors, r.errors);
    return {
      ok: results.reduce((s, r) => s + r.ok, 0),
      failed: results.reduce((s, r) => s + r.failed, 0),
      errors,
      ms: Math.max(...results.map((r) => r.ms)),
      serverCpu: server(),
      generatorCpu: generator(),
    };
  } finally {
    clearInterval(timer);
  }
}

/** A few hundred sessions before measuring, so the server's code is compiled (not counted as per-session memory or latency). */
export async function warmUp(bench: Bench, cluster: Cluster): Promise<void> {
  const gen = bench.generators[0]!;
  await openSessions(bench, cluster, [gen], 'warmup', WARMUP_SESSIONS, true, 'warm-up');
  await gen.call({ cmd: 'close', pool: 'warmup' }, 30_000);
  await settle(cluster.pids);
}
