/**
 * Child processes of the signaling bench — the server node(s), redis-server and the load
 * generators — and what /proc says about them (RSS, CPU time).
 *
 * Each child runs in its own process group (`detached`), pinned with `taskset` when there are
 * two CPUs or more, behind `bash -c 'ulimit -n …; exec …'` so it gets as many file descriptors
 * as the hard limit allows. `stopAll` (also run on Ctrl-C and on exit) kills the groups.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Envelope, Reply, Request, Results } from './messages.ts';

export const REPO = join(import.meta.dirname, '../../..');
const STOP_GRACE_MS = 8000;

interface Managed {
  name: string;
  child: ChildProcess;
  stopping: boolean;
  exited: Promise<void>;
  /** Its last lines of output, shown if it dies. */
  tail: string[];
}
const managed = new Set<Managed>();

let failChild: (err: Error) => void = () => {};
/** Rejects as soon as a child dies that was not being stopped: every long wait races against it. */
export const childFailure = new Promise<never>((_, reject) => (failChild = reject));
childFailure.catch(() => {});

function hasCommand(name: string): boolean {
  try {
    execFileSync('bash', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const redisInstalled = () => hasCommand('redis-server');

/** CPUs for the server(s) and for the load (generators, redis), or null when not pinned. */
export function pinning(): { server: string | null; load: string | null; note: string } {
  const cpus = availableParallelism();
  if (cpus < 2) return { server: null, load: null, note: `not pinned (${cpus} CPU)` };
  if (!hasCommand('taskset')) return { server: null, load: null, note: 'not pinned (no taskset)' };
  const load = cpus === 2 ? '1' : `1-${cpus - 1}`;
  return { server: '0', load, note: `taskset: server node(s) on CPU 0, load generators and redis on CPU ${load}` };
}

/** The hard limit on open files: what a child can raise its own limit to (not root-free to lift). */
export function fdHardLimit(): number {
  const text = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return text === 'unlimited' ? 1_048_576 : Number(text);
}

function launch(name: string, argv: string[], cpu: string | null, env: NodeJS.ProcessEnv, ipc = false): ChildProcess {
  const pinned = cpu === null ? [] : ['taskset', '-c', cpu];
  const script = 'ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"';
  const child = spawn('bash', ['-c', script, 'bash', ...pinned, ...argv], {
    cwd: REPO,
    env,
    detached: true,
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const entry: Managed = { name, child, stopping: false, tail: [], exited: new Promise((resolve) => child.once('exit', () => resolve())) };
  managed.add(entry);
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      entry.tail.push(line);
      if (entry.tail.length > 30) entry.tail.shift();
      // Server logs are pino JSON at LOG_LEVEL=warn: errors (50+) and anything not JSON (a crash,
      // --trace-gc) are shown; generators say nothing unless something is wrong; redis only if it dies.
      const level = /^\{"level":(\d+)/.exec(line)?.[1];
      const show = name.startsWith('server') ? level === undefined || Number(level) >= 50 : name.startsWith('generator');
      if (show) console.error(`[${name}] ${line}`);
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  child.once('exit', (code, signal) => {
    managed.delete(entry);
    if (entry.stopping) return;
    console.error(`[${name}] exited unexpectedly (${signal ?? `code ${code}`}); its last output:\n${entry.tail.join('\n')}`);
    failChild(new Error(`${name} exited unexpectedly`));
  });
  return child;
}

async function waitPort(port: number, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process exited before listening on ${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const sock = tcpConnect(port, '127.0.0.1');
      sock.once('connect', () => (sock.destroy(), resolve(true)));
      sock.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs / 1000} s`);
}

/** Fails fast when a port of ours is taken (a leftover from an earlier run, or someone else's). */
export async function assertPortFree(port: number): Promise<void> {
  const taken = await new Promise<boolean>((resolve) => {
    const sock = tcpConnect(port, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
  if (taken) throw new Error(`port ${port} is in use: is an earlier bench still running? (--port-base moves the ports)`);
}

export interface ServerProcess {
  name: string;
  pid: number;
  url: string;
  stop(): Promise<void>;
}

/** `node --import tsx signaling/main.ts` (the same as `npm run serve`, one process so /proc shows the server itself). */
export async function startServer(name: string, port: number, cpu: string | null, env: Record<string, string>, nodeArgs: string[]): Promise<ServerProcess> {
  await assertPortFree(port);
  const child = launch(name, [process.execPath, ...nodeArgs, '--import', 'tsx', 'signaling/main.ts'], cpu, { ...process.env, ...env, PORT: String(port) });
  await waitPort(port, child);
  return { name, pid: child.pid!, url: `http://127.0.0.1:${port}`, stop: () => stop(child) };
}

export async function startRedis(port: number, cpu: string | null): Promise<{ url: string; stop(): Promise<void> }> {
  await assertPortFree(port);
  const child = launch('redis', ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], cpu, process.env);
  await waitPort(port, child);
  return { url: `redis://127.0.0.1:${port}`, stop: () => stop(child) };
}

/** SIGTERM to the child's group (the server closes its sockets and exits, writing a CPU profile if asked), SIGKILL after a grace period. */
async function stop(child: ChildProcess): Promise<void> {
  const entry = [...managed].find((m) => m.child === child);
  if (!entry) return;
  entry.stopping = true;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), STOP_GRACE_MS);
  await entry.exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...managed].map((m) => stop(m.child)));
}

/** Last resort on exit (synchronous): kill every group still running. */
export function killAllNow(): void {
  for (const m of managed) {
    try {
      process.kill(-m.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Resident set size of a process, MB (VmRSS). */
export function rssMB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) / 1024;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system, all threads) a process has used. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Seconds the main thread of a process was ready to run but waited for a CPU (other work on the machine). */
function waitSeconds(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
}

export interface CpuUse {
  /** Share of one CPU the processes used (1 = one core fully busy). */
  busy: number;
  /**
   * Share of the time their main threads were runnable but waited for a CPU (mean over the
   * processes). Near 0 on a quiet machine; high means other work took the CPU and the
   * figures are slower than the server itself.
   */
  waiting: number;
}

/** CPU use of the processes since the meter was made. */
export function cpuMeter(pids: number[]): () => CpuUse {
  const t0 = performance.now();
  const c0 = pids.map(cpuSeconds);
  const w0 = pids.map(waitSeconds);
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const busy = pids.reduce((sum, pid, i) => sum + cpuSeconds(pid) - c0[i]!, 0) / seconds;
    const waiting = pids.reduce((sum, pid, i) => sum + waitSeconds(pid) - w0[i]!, 0) / seconds / Math.max(1, pids.length);
    return { busy, waiting };
  };
}

/** Waits until the processes are nearly idle (under 10% of a CPU over 500 ms), e.g. after closing 40 000 sockets. */
export async function settle(pids: number[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const meter = cpuMeter(pids);
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (meter().busy < 0.1) return;
  }
  console.error(`  (server still busy after ${timeoutMs / 1000} s; going on)`);
}

type Progress = { pool: string; ok: number; failed: number };

/** A load generator child (generator.ts) and its requests. */
export class Generator {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(result: unknown): void; reject(err: Error): void }>();
  #nextId = 1;
  /** Latest progress of a long request. */
  progress: Progress | null = null;

  constructor(
    readonly index: number,
    cpu: string | null,
  ) {
    const file = join(import.meta.dirname, 'generator.ts');
    // 40 000 sockets take a few GB of heap in socket.io-client.
    const argv = [process.execPath, '--max-old-space-size=8192', '--import', 'tsx', file];
    this.#child = launch(`generator ${index}`, argv, cpu, { ...process.env, BENCH_GENERATOR_INDEX: String(index) }, true);
    this.#child.on('message', (reply: Reply) => {
      if ('progress' in reply) {
        this.progress = reply.progress;
        return;
      }
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if ('error' in reply) pending?.reject(new Error(`generator ${index}: ${reply.error}`));
      else pending?.resolve(reply.result);
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Sends a request; rejects after `timeoutMs`, or when any child dies. */
  call<R extends Request>(request: R, timeoutMs: number): Promise<Results[R['cmd']]> {
    const id = this.#nextId++;
    let timer: NodeJS.Timeout | undefined;
    const answer = new Promise<Results[R['cmd']]>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      timer = setTimeout(() => reject(new Error(`generator ${this.index}: no answer to ${request.cmd} after ${timeoutMs / 1000} s`)), timeoutMs);
      this.#child.send({ ...request, id } satisfies Envelope);
    });
    return Promise.race([answer, childFailure]).finally(() => {
      clearTimeout(timer);
      this.#pending.delete(id);
    });
  }

  stop(): Promise<void> {
    return stop(this.#child);
  }
}
