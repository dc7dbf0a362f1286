/**
 * `npm run bench:signaling`: how much the signaling server holds and how fast it answers, driven
 * over loopback by load generators in other processes (signaling/generator.ts) that speak the
 * real protocol with socket.io-client:
 *   1. capacity: N paired sessions opened at a steady pace and held; server RSS before and while
 *      holding, memory per session, and a sample of sessions relaying afterwards;
 *   2. join latency: rooms created first, then customers join at exactly R per second for D
 *      seconds; join-to-paired (the customer's `join-room` → the rep's `peer-joined`), repeated;
 *   3. relay throughput: K sessions playing relay ping-pong; relays received per second, repeated.
 * For one node in memory, then two nodes sharing state on Redis (reps on node A, customers on
 * node B, so every pairing and relay crosses nodes). `--help` lists the flags.
 *
 * Each server is `node --import tsx signaling/main.ts` (what `npm run serve` runs) with the
 * per-IP and per-socket limits lifted (see cluster.ts), pinned to CPU 0; the generators get the
 * other CPU(s). Every socket is a file descriptor, and the open-file limit cannot be raised past
 * the hard limit without privileges: where it is too low for N sessions, fewer are opened and
 * the memory at N is projected from the per-session figure (said so in the table).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { NotShared, serverSessionCap, type Bench, type Mode, type Options } from './signaling/cluster.ts';
import { capacity, joinLatency, relayThroughput } from './signaling/phases.ts';
import { Generator, childFailure, fdHardLimit, killAllNow, pinning, redisInstalled, stopAll } from './signaling/processes.ts';
import { num, pct, printTable, type Row } from './signaling/report.ts';

const { values: flags } = parseArgs({
  options: {
    nodes: { type: 'string' },
    sessions: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    ramp: { type: 'string', default: '500' },
    'relay-sessions': { type: 'string', default: '200' },
    'relay-seconds': { type: 'string', default: '5' },
    phases: { type: 'string', default: 'capacity,join,relay' },
    'port-base': { type: 'string', default: '9300' },
    'cpu-prof': { type: 'string' },
    'server-node-args': { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(`npm run bench:signaling -- [flags]
  --nodes 1|2           one node in memory, or two nodes on Redis (default: both, one after the other)
  --sessions N          capacity: paired sessions to open and hold (default 20000)
  --ramp S              sessions opened per second, for capacity and for preparing joins (default 500)
  --rate R --seconds D  join latency: R joins per second for D seconds (default 500, 20)
  --runs K              repeats of the join and relay measurements (default 3)
  --relay-sessions K --relay-seconds T   relay throughput (default 200 sessions, 5 s window)
  --phases LIST         any of capacity,join,relay (default all)
  --port-base P         ports P+1, P+2 (servers), P+79 (redis) (default 9300)
  --cpu-prof DIR        write each server's V8 CPU profile (.cpuprofile) under DIR
  --server-node-args="…"  more flags for the servers' node, e.g. --server-node-args="--trace-gc" (printed)`);
  process.exit(0);
}
const opt: Options = {
  sessions: Number(flags.sessions),
  rate: Number(flags.rate),
  seconds: Number(flags.seconds),
  runs: Number(flags.runs),
  ramp: Number(flags.ramp),
  relaySessions: Number(flags['relay-sessions']),
  relaySeconds: Number(flags['relay-seconds']),
  phases: new Set(flags.phases.split(',')),
  portBase: Number(flags['port-base']),
  cpuProf: flags['cpu-prof'],
  serverNodeArgs: flags['server-node-args'].split(' ').filter(Boolean),
};
for (const [name, value] of Object.entries(opt)) {
  if (typeof value === 'number' && !(value > 0)) throw new Error(`--${name}: expected a positive number`);
}
if (![...opt.phases].every((p) => ['capacity', 'join', 'relay'].includes(p))) throw new Error('--phases: a comma list of capacity, join, relay');
if (flags.nodes !== undefined && flags.nodes !== '1' && flags.nodes !== '2') throw new Error('--nodes: 1 or 2');
/** File descriptors a process keeps for itself besides the sockets. */
const FD_MARGIN = 200;
const openFiles = fdHardLimit();
const bench: Bench = { opt, pin: pinning(), openFiles, fdCap: openFiles - FD_MARGIN, generators: [], waited: [] };
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

async function runMode(mode: Mode): Promise<Record<string, unknown>> {
  console.log(`\n${mode.title}`);
  const rows: Row[] = [];
  const out: Record<string, unknown> = { nodes: mode.nodes, store: mode.nodes === 1 ? 'memory' : 'redis' };
  try {
    if (opt.phases.has('capacity')) out.capacity = await capacity(bench, mode, rows);
    if (opt.phases.has('join')) out.join = await joinLatency(bench, mode, rows);
    if (opt.phases.has('relay')) out.relay = await relayThroughput(bench, mode, rows);
  } catch (err) {
    if (!(err instanceof NotShared)) throw err;
    console.log(`  SKIPPED: ${err.message}`);
    out.skipped = err.message;
  }
  if (rows.length) printTable(`${mode.title} — ${bench.pin.note}; load average now ${load()}`, rows);
  const waited = Math.max(0, ...bench.waited.splice(0));
  out.serverWaitedMax = waited;
  if (waited > 0.1) console.log(`\nProvisional: the server waited for a CPU up to ${pct(waited)} of the time (other work on this machine); its own figures are better.`);
  return out;
}

async function main(): Promise<void> {
  const modes: Mode[] = [];
  const skipped: string[] = [];
  if (flags.nodes !== '2') modes.push({ nodes: 1, title: 'One node, state in memory' });
  if (flags.nodes !== '1') {
    if (redisInstalled()) modes.push({ nodes: 2, title: 'Two nodes, state on Redis (reps on node A, customers on node B)' });
    else skipped.push('two nodes on Redis: skipped, redis-server is not installed');
  }
  const loadBefore = load();
  // Other work on the machine shows in the load average: figures taken under load are provisional.
  console.log(`Parley signaling bench — ${new Date().toISOString()} — ${bench.pin.note}; open files per process: ${num(openFiles)}; load average ${loadBefore}`);
  const capacitySockets = Math.max(0, ...modes.map((m) => 2 * Math.min(opt.sessions, serverSessionCap(bench, m))));
  // Two at least: the join phase spreads its sessions over them (see phases.ts).
  const needed = Math.max(2, opt.phases.has('capacity') ? Math.ceil(capacitySockets / bench.fdCap) : 0);
  for (let i = 0; i < needed; i++) bench.generators.push(new Generator(i, bench.pin.load));
  const results = [];
  for (const mode of modes) results.push(await runMode(mode));
  for (const line of skipped) console.log(`\n${line}`);
  const summary = { bench: 'signaling', date: new Date().toISOString(), pinning: bench.pin.note, openFiles, loadAverage: { before: loadBefore, after: load() }, options: { ...opt, phases: [...opt.phases] }, modes: results, skipped };
  // Machines read the last line. Figures to 3 decimals: the rest is noise.
  console.log(`\n${JSON.stringify(summary, (_, value: unknown) => (typeof value === 'number' ? Math.round(value * 1000) / 1000 : value))}`);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${signal}: stopping the servers, redis and generators…`);
    void stopAll().finally(() => process.exit(130));
  });
}
process.on('exit', killAllNow);

try {
  await Promise.race([main(), childFailure]);
} catch (err) {
  console.error(`bench:signaling failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
