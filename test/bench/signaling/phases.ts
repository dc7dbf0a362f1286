/** The three measurements of the signaling bench, each on fresh server(s); each adds rows to the table and returns its figures. */
import { openSessions, rssOf, serverSessionCap, startCluster, warmUp, type Bench, type Mode } from './cluster.ts';
import type { ErrorCounts } from './messages.ts';
import { cpuMeter, settle } from './processes.ts';
import { cpu, errorList, mb, mergeErrors, ms, num, pct, percentile, spread, spreadRow, type Row } from './report.ts';

/** Targets from the self-hosting issue, for one node on one core. */
export const TARGET = { sessions: 20_000, rssMB: 1024, joinRate: 500, joinP99Ms: 50 };
const PROBE_SESSIONS = 100;
/** Sessions are held this long before RSS is read (pings, timers and GC have run). */
const HOLD_MS = 5000;
const RELAY_IN_FLIGHT = 4;
/** A sealed chat message or a signal relay is a couple of hundred base64url characters. */
const RELAY_CHARS = 200;
const sleep = (t: number) => new Promise((resolve) => setTimeout(resolve, t));

/** Capacity: N paired sessions opened and held; memory per session from the server's RSS. */
export async function capacity(bench: Bench, mode: Mode, rows: Row[]) {
  const { opt, fdCap } = bench;
  const sessions = Math.min(opt.sessions, serverSessionCap(bench, mode));
  const gens = bench.generators.slice(0, Math.ceil((2 * sessions) / fdCap));
  const limited = sessions < opt.sessions;
  if (limited) console.log(`  capacity: ${num(sessions)} sessions, not ${num(opt.sessions)}: a process may open only ${num(bench.openFiles)} files here (ulimit -Hn)`);
  const cluster = await startCluster(bench, mode, 'capacity');
  try {
    await warmUp(bench, cluster);
    const idleMB = rssOf(cluster);
    const opened = await openSessions(bench, cluster, gens, 'held', sessions, true, 'capacity');
    bench.waited.push(opened.serverCpu.waiting);
    let peakMB = 0;
    for (let t = 0; t < HOLD_MS; t += 500) (await sleep(500), (peakMB = Math.max(peakMB, rssOf(cluster))));
    const heldMB = rssOf(cluster);
    const probe = await gens[0]!.call({ cmd: 'probe', pool: 'held', count: PROBE_SESSIONS }, 60_000);
    for (const g of gens) await g.call({ cmd: 'close', pool: 'held' }, 60_000);
    const perSessionKB = ((heldMB - idleMB) * 1024) / Math.max(1, opened.ok);
    const projectedMB = idleMB + (perSessionKB * TARGET.sessions) / 1024;
    const reached = opened.ok >= TARGET.sessions;
    rows.push(
      { figure: 'sessions held (paired, sockets open)', median: num(opened.ok), target: `${num(TARGET.sessions)}${limited ? ` (file limit here: ${num(sessions)})` : ''}` },
      { figure: 'sessions that failed to open', median: num(opened.failed), target: opened.failed ? errorList(opened.errors) : '' },
      { figure: `time to open them (asked ${num(opt.ramp)}/s)`, median: `${num(opened.ms / 1000, 1)} s`, target: `server CPU ${cpu(opened.serverCpu)}, generators ${cpu(opened.generatorCpu)}` },
      { figure: 'server RSS, idle → holding (peak)', median: `${mb(idleMB)} → ${mb(heldMB)} (${mb(peakMB)})`, target: `< ${mb(TARGET.rssMB)}${reached ? (heldMB < TARGET.rssMB ? ': met' : ': NOT met') : ''}` },
      { figure: 'memory per paired session (2 sockets)', median: `${num(perSessionKB, 1)} kB` },
      ...(reached ? [] : [{ figure: `server RSS projected at ${num(TARGET.sessions)} (from ${num(opened.ok)})`, median: mb(projectedMB), target: `< ${mb(TARGET.rssMB)}: ${projectedMB < TARGET.rssMB ? 'met (projected)' : 'NOT met (projected)'}` }]),
      { figure: 'held sessions relaying afterwards', median: `${probe.delivered} of ${probe.count}` },
    );
    return { asked: opt.sessions, sessions, held: opened.ok, failed: opened.failed, errors: opened.errors, openSeconds: opened.ms / 1000, serverCpu: opened.serverCpu, generatorCpu: opened.generatorCpu, idleMB, heldMB, peakMB, perSessionKB, projectedMB, probe };
  } finally {
    await cluster.stop();
  }
}

/**
 * Join latency at a steady rate. Rooms are prepared first (both sockets open, room created, at
 * the ramp rate), then their customers join at exactly `rate` per second, so only joins are
 * timed. The sessions are spread over every generator (a client process holding 20 000 sockets
 * has GC pauses of its own) on one shared schedule. As many rooms are prepared at a time as the
 * file limit lets the server and the generators hold; a longer run is fired in equal batches.
 */
export async function joinLatency(bench: Bench, mode: Mode, rows: Row[]) {
  const { opt } = bench;
  const gens = bench.generators;
  const batchMax = Math.min(serverSessionCap(bench, mode), Math.floor(bench.fdCap / 2) * gens.length);
  const total = Math.round(opt.rate * opt.seconds);
  const batches = Math.ceil(total / batchMax);
  const cluster = await startCluster(bench, mode, 'join');
  const runs: { p50: number; p90: number; p99: number; max: number; joins: number; errors: ErrorCounts; notPrepared: number; achievedRate: number; lagMax: number; loopDelayP99: number; loopDelayMax: number; serverCpu: number; serverWait: number }[] = [];
  try {
    await warmUp(bench, cluster);
    for (let run = 1; run <= opt.runs; run++) {
      const latencies: number[] = [];
      const errors: ErrorCounts = {};
      let notPrepared = 0;
      let achievedRate = Infinity;
      let lagMax = 0;
      let loopDelayP99 = 0;
      let loopDelayMax = 0;
      let cpuSum = 0;
      let waitSum = 0;
      for (let b = 0; b < batches; b++) {
        const batch = Math.round((total * (b + 1)) / batches) - Math.round((total * b) / batches);
        const prepared = await openSessions(bench, cluster, gens, 'join', batch, false, `join run ${run}: preparing rooms`);
        notPrepared += prepared.failed; // not joins: those rooms are simply not joined
        await settle([...cluster.pids, ...gens.map((g) => g.pid)]);
        const meter = cpuMeter(cluster.pids);
        const startAt = performance.timeOrigin + performance.now() + 500;
        const timeoutMs = (batch / opt.rate) * 1000 + 60_000;
        const results = await Promise.all(gens.map((g, i) => g.call({ cmd: 'joins', pool: 'join', rate: opt.rate, startAt, stride: gens.length, offset: i }, timeoutMs)));
        const use = meter();
        bench.waited.push(use.waiting);
        cpuSum += use.busy * batch;
        waitSum += use.waiting * batch;
        for (const r of results) {
          latencies.push(...r.latencies);
          mergeErrors(errors, r.errors);
          lagMax = Math.max(lagMax, r.lagMax);
          loopDelayP99 = Math.max(loopDelayP99, r.loopDelayP99);
          loopDelayMax = Math.max(loopDelayMax, r.loopDelayMax);
        }
        const fired = results.reduce((sum, r) => sum + r.fired, 0);
        const span = Math.max(...results.map((r) => r.lastAt)) - Math.min(...results.map((r) => r.firstAt));
        if (fired > 1) achievedRate = Math.min(achievedRate, ((fired - 1) * 1000) / span);
        for (const g of gens) await g.call({ cmd: 'close', pool: 'join' }, 60_000);
        await settle(cluster.pids);
      }
      const p = (q: number) => percentile(latencies, q);
      const result = { p50: p(0.5), p90: p(0.9), p99: p(0.99), max: p(1), joins: latencies.length, errors, notPrepared, achievedRate, lagMax, loopDelayP99, loopDelayMax, serverCpu: cpuSum / total, serverWait: waitSum / total };
      runs.push(result);
      console.log(
        `  join run ${run}: ${num(result.joins)} joins at ${num(achievedRate, 1)}/s — p50 ${ms(result.p50)}, p90 ${ms(result.p90)}, p99 ${ms(result.p99)}, max ${ms(result.max)}; ` +
          `server CPU ${cpu({ busy: result.serverCpu, waiting: result.serverWait })}; generators' event loops delayed p99 ${ms(loopDelayP99)}, max ${ms(loopDelayMax)} (joins fired late by ≤ ${ms(lagMax)}); failed joins: ${errorList(errors)}${notPrepared ? `; ${num(notPrepared)} rooms failed to open beforehand` : ''}`,
      );
    }
  } finally {
    await cluster.stop();
  }
  const s = (key: 'p50' | 'p90' | 'p99' | 'max' | 'serverCpu' | 'serverWait' | 'loopDelayP99' | 'loopDelayMax') => spread(runs.map((r) => r[key]));
  const p99 = s('p99');
  const failures: ErrorCounts = {};
  for (const r of runs) mergeErrors(failures, r.errors);
  const verdict = p99.max < TARGET.joinP99Ms ? 'met' : p99.median < TARGET.joinP99Ms ? 'met in the median run' : 'NOT met';
  const p99Target = opt.rate >= TARGET.joinRate ? `< ${TARGET.joinP99Ms} ms: ${verdict}` : `< ${TARGET.joinP99Ms} ms at ${TARGET.joinRate}/s`;
  rows.push(
    spreadRow(`join → paired at ${num(opt.rate)}/s for ${num(opt.seconds)} s (${runs.length} run${runs.length === 1 ? '' : 's'}): p50`, s('p50'), ms),
    spreadRow('  p90', s('p90'), ms),
    spreadRow('  p99', p99, ms, p99Target),
    spreadRow('  max', s('max'), ms),
    spreadRow('  server CPU while joining', s('serverCpu'), pct),
    spreadRow('  server waiting for a CPU (other work)', s('serverWait'), pct, 'near 0% on a quiet machine'),
    spreadRow("  generators' event-loop delay, p99 (worst)", s('loopDelayP99'), ms, 'adds to the latencies: near 0 for a trustworthy p99'),
    spreadRow('  … max', s('loopDelayMax'), ms),
    { figure: '  joins that failed', median: num(Object.values(failures).reduce((a, b) => a + b, 0)), target: Object.keys(failures).length ? errorList(failures) : '' },
    ...(runs.some((r) => r.notPrepared) ? [{ figure: '  rooms that failed to open beforehand (not timed)', median: num(runs.reduce((a, r) => a + r.notPrepared, 0)) }] : []),
  );
  return { rate: opt.rate, seconds: opt.seconds, p50: s('p50'), p90: s('p90'), p99, max: s('max'), runs };
}

/** Relay throughput: ping-pong in K sessions, relays received per second over a fixed window. */
export async function relayThroughput(bench: Bench, mode: Mode, rows: Row[]) {
  const { opt } = bench;
  const gen = bench.generators[0]!;
  const cluster = await startCluster(bench, mode, 'relay');
  const rates: number[] = [];
  const serverCpu: number[] = [];
  const serverWait: number[] = [];
  const generatorCpu: number[] = [];
  const errors: ErrorCounts = {};
  try {
    const opened = await openSessions(bench, cluster, [gen], 'relay', opt.relaySessions, true, 'relay sessions');
    if (opened.failed) throw new Error(`relay sessions failed to open: ${errorList(opened.errors)}`);
    for (let run = 1; run <= opt.runs; run++) {
      const server = cpuMeter(cluster.pids);
      const client = cpuMeter([gen.pid]);
      const windowMs = opt.relaySeconds * 1000;
      const r = await gen.call({ cmd: 'relay', pool: 'relay', warmupMs: 1000, windowMs, inFlight: RELAY_IN_FLIGHT, dataChars: RELAY_CHARS }, windowMs + 60_000);
      rates.push(r.received / (r.ms / 1000));
      const use = server();
      bench.waited.push(use.waiting);
      serverCpu.push(use.busy);
      serverWait.push(use.waiting);
      generatorCpu.push(client().busy);
      mergeErrors(errors, r.errors);
      console.log(`  relay run ${run}: ${num(rates.at(-1)!)} relays/s — server CPU ${cpu(use)}, generator CPU ${pct(generatorCpu.at(-1)!)}; errors: ${errorList(r.errors)}`);
    }
    await gen.call({ cmd: 'close', pool: 'relay' }, 60_000);
  } finally {
    await cluster.stop();
  }
  const result = { sessions: opt.relaySessions, chars: RELAY_CHARS, perSecond: spread(rates), serverCpu: spread(serverCpu), serverWait: spread(serverWait), generatorCpu: spread(generatorCpu), errors };
  const generatorBound = result.generatorCpu.median > 0.9 ? ': the generator may be the limit' : '';
  rows.push(
    spreadRow(`relayed messages/s (${num(opt.relaySessions)} sessions, ${RELAY_CHARS} chars)`, result.perSecond, (x) => `${num(x)}/s`),
    spreadRow('  server CPU while relaying', result.serverCpu, pct, `generator CPU ${pct(result.generatorCpu.median)}${generatorBound}`),
    spreadRow('  server waiting for a CPU (other work)', result.serverWait, pct, 'near 0% on a quiet machine'),
    ...(Object.keys(errors).length ? [{ figure: '  relay errors', median: errorList(errors) }] : []),
  );
  return result;
}
