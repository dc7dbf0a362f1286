/**
 * `npm run bench`: figures for the README, not pass/fail tests. Every figure is the median of
 * repeated runs with the min and max; headless Chromium and the real server (in this process,
 * loopback) on one machine. Sections (`BENCH_ONLY=join,files,sizes,export,scroll,sessions,network`,
 * all but network by default) and their run counts are set by environment variables below.
 *   - join → verified: the customer presses Join → their page says "Connected", and where the
 *     time went (join.ts); chat round trips on screen, on the wire, and a bare data channel;
 *   - files: encrypted against raw data-channel throughput in the same run, both pages' memory
 *     above idle during the transfer (files.ts);
 *   - sizes: gzipped JS and CSS of the customer page and the rep console, initial and lazy (sizes.ts);
 *   - export: a 100,000-event transcript exported in each format (export.ts);
 *   - scroll: rep console frame times while scrolling a 10,000-message log (scroll.ts);
 *   - sessions: console responsiveness with 10 concurrent sessions (sessions.ts; needs tabs);
 *   - network: time to notice a cut network and to recover (network.ts).
 */
import { join } from 'node:path';
import { exportBench, EXPORT_FORMATS } from './export.ts';
import { fileBench } from './files.ts';
import { joinBench, JOIN_PHASES } from './join.ts';
import { networkBench } from './network.ts';
import { scrollBench } from './scroll.ts';
import { launchBrowser, startBenchServer } from './server.ts';
import { sessionsBench } from './sessions.ts';
import { pageSizes } from './sizes.ts';
import { printTable, quantile, row, type TableRow } from './stats.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'join,files,sizes,export,scroll,sessions').split(','));
const JOIN_RUNS = env('BENCH_JOIN_RUNS', 20);
const CHAT_RUNS = env('BENCH_CHAT_RUNS', 100);
const FILE_MB = env('BENCH_FILE_MB', 200);
const FILE_RUNS = env('BENCH_FILE_RUNS', 3);
const EXPORT_EVENTS = env('BENCH_EXPORT_EVENTS', 100_000);
const EXPORT_RUNS = env('BENCH_EXPORT_RUNS', 5);
const SCROLL_MESSAGES = env('BENCH_SCROLL_MESSAGES', 10_000);
const SCROLL_RUNS = env('BENCH_SCROLL_RUNS', 5);
const SESSIONS = env('BENCH_SESSIONS', 10);
const NETWORK_RUNS = env('BENCH_NETWORK_RUNS', 10);
const DIST = join(import.meta.dirname, '../../client/dist');

const lt = (limit: number, unit: string) => ({ text: `< ${limit} ${unit}`, ok: (m: number) => m < limit });

async function main(): Promise<void> {
  const server = await startBenchServer(FILE_MB);
  const browser = await launchBrowser();
  const tables: Array<[string, TableRow[]]> = [];
  const fileRuns: Array<{ ratio: number; encrypted: number; raw: number; rawOnSession: number; pauseMs: number }> = [];
  try {
    if (ONLY.has('join')) {
      const j = await joinBench(browser, server.base, JOIN_RUNS, CHAT_RUNS, process.env.BENCH_PROFILE_DIR ? join(process.env.BENCH_PROFILE_DIR, 'join.cpuprofile') : undefined);
      tables.push([
        `Join and chat (${JOIN_RUNS} joins, ${CHAT_RUNS} messages)`,
        [
          row('join → verified (Join pressed → "Connected")', j.joins, 'ms', lt(150, 'ms')),
          ...JOIN_PHASES.map((p) => row(`  … click → ${p.replace('parley:', '')}`, j.phases[p] ?? [], 'ms')),
          row('chat round trip, on screen (Send → Delivered)', j.chatOnScreen, 'ms'),
          row('chat round trip, sealed on the wire', j.chatOnWire, 'ms'),
          row('bare RTCDataChannel round trip', j.rawRoundTrip, 'ms'),
        ],
      ]);
    }
    if (ONLY.has('files') && FILE_MB > 0) {
      const f = await fileBench(browser, server.base, FILE_MB, FILE_RUNS, process.env.BENCH_PROFILE_DIR);
      fileRuns.push(...f.ratio.map((ratio, i) => ({ ratio, encrypted: f.encryptedMBps[i]!, raw: f.rawMBps[i]!, rawOnSession: f.rawOnSessionMBps[i]!, pauseMs: f.longestPauseMs[i]! })));
      tables.push([
        `File transfer, ${f.sizeMB} MB rep → customer (${FILE_RUNS} runs, a fresh session each)`,
        [
          row('encrypted / raw throughput, same run', f.ratio.map((r) => 100 * r), '%', { text: '≥ 90 %', ok: (m) => m >= 90 }),
          row('encrypted file throughput', f.encryptedMBps, 'MB/s'),
          row('raw RTCDataChannel throughput', f.rawMBps, 'MB/s'),
          row("  raw, on the session's own connection", f.rawOnSessionMBps, 'MB/s'),
          row('sender page memory above idle (RSS)', f.senderRss, 'MB', lt(150, 'MB')),
          row('receiver page memory above idle (RSS)', f.receiverRss, 'MB', lt(150, 'MB')),
          row('sender JS heap above idle', f.senderHeap, 'MB'),
          row('receiver JS heap above idle', f.receiverHeap, 'MB'),
          row('browser process above idle (Blob store)', f.browserRss, 'MB'),
          row('sender main thread busy', f.senderBusy.map((b) => 100 * b), '%'),
          row('receiver main thread busy', f.receiverBusy.map((b) => 100 * b), '%'),
          row('longest pause in the encrypted transfer', f.longestPauseMs, 'ms'),
          row('packets discarded on send (sender)', f.discardedPackets, 'packets', undefined, 0),
          row('hashing before the offer', f.prepareSeconds, 's'),
          row('CPU per MB, raw (all Chromium processes)', f.rawCpuMsPerMB, 'ms'),
          row('CPU per MB, encrypted (all Chromium processes)', f.encryptedCpuMsPerMB, 'ms'),
          row('  sender’s page, raw', f.rawSenderCpuMsPerMB, 'ms'),
          row('  sender’s page, encrypted', f.senderCpuMsPerMB, 'ms'),
          row('  receiver’s page, raw', f.rawReceiverCpuMsPerMB, 'ms'),
          row('  receiver’s page, encrypted', f.receiverCpuMsPerMB, 'ms'),
          row('  browser process, raw', f.rawBrowserCpuMsPerMB, 'ms'),
          row('  browser process, encrypted', f.browserCpuMsPerMB, 'ms'),
        ],
      ]);
    }
    if (ONLY.has('export')) {
      const e = await exportBench(browser, server.base, EXPORT_EVENTS, EXPORT_RUNS, process.env.BENCH_PROFILE_DIR);
      tables.push([
        `Transcript export, ${EXPORT_EVENTS} events (${EXPORT_RUNS} runs per format)`,
        EXPORT_FORMATS.map((f) => row(`export ${f.label} (${e.sizeMB[f.label]?.toFixed(1)} MB)`, e.ms[f.label] ?? [], 'ms', lt(1000, 'ms'), 0)),
      ]);
    }
    if (ONLY.has('scroll')) {
      const s = await scrollBench(browser, server.base, SCROLL_MESSAGES, SCROLL_RUNS, 300, 300, process.env.BENCH_PROFILE_DIR);
      tables.push([
        `Rep console, ${SCROLL_MESSAGES}-message log (${SCROLL_RUNS} runs of ${s.frames[0]} frames scrolled)`,
        [
          row('open from the history → shown', s.openMs, 'ms'),
          row('frame time while scrolling, p95', s.p95, 'ms'),
          row('frame time while scrolling, max', s.max, 'ms'),
          row('dropped frames while scrolling', s.dropped, 'frames', { text: '0', ok: (m) => m === 0 }, 0),
        ],
      ]);
    }
    if (ONLY.has('sessions')) {
      const s = await sessionsBench(browser, server.base, SESSIONS);
      tables.push([
        `Rep console with ${SESSIONS} concurrent sessions, each customer sending ${s.ratePerSecond} message/s (${s.inputToPaint.length} key presses over ${s.typingSeconds.toFixed(0)} s; ${s.received} log entries arrived meanwhile)`,
        [
          row('key pressed → next frame painted, in the composer', s.inputToPaint, 'ms', lt(100, 'ms')),
          row('… p95', [quantile(s.inputToPaint, 0.95)], 'ms', lt(100, 'ms')),
          row('… worst', [Math.max(...s.inputToPaint)], 'ms'),
          row('long tasks (> 50 ms) while typing', [s.longTasks.length], 'tasks', undefined, 0),
          row('… longest', [s.longTasks.length ? Math.max(...s.longTasks) : 0], 'ms'),
        ],
      ]);
    }
    if (ONLY.has('network') && NETWORK_RUNS > 0) {
      const n = await networkBench(browser, server.base, NETWORK_RUNS);
      tables.push([
        `Network faults (${NETWORK_RUNS} cuts of 5 s)`,
        [row('network cut → noticed, rep', n.detectRep, 'ms'), row('network cut → noticed, customer', n.detectCustomer, 'ms'), row('network back → both Connected', n.recover, 'ms')],
      ]);
    }
  } finally {
    await browser.close();
    await server.close();
  }

  console.log(`\nParley benchmark — ${new Date().toISOString()} — headless Chromium, one machine, loopback`);
  for (const [title, rows] of tables) printTable(title, rows);
  if (fileRuns.length > 1) {
    // Each run's figures in order: whether a low median is one slow run or all of them.
    console.log(`\nFile runs in order, encrypted / raw MB/s, longest pause, raw on the session's connection: ${fileRuns.map((r) => `${(100 * r.ratio).toFixed(0)} % (${r.encrypted.toFixed(1)} / ${r.raw.toFixed(1)}, ${r.pauseMs.toFixed(0)} ms, ${r.rawOnSession.toFixed(1)})`).join(', ')}`);
  }
  if (ONLY.has('sizes')) {
    // An English customer's page: other languages' catalogues are fetched only when chosen.
    const notFrench = (key: string) => key.includes('i18n/fr');
    const customer = pageSizes(DIST, 'index.html', notFrench);
    const rep = pageSizes(DIST, 'rep/index.html', notFrench);
    const kB = (b: number) => `${(b / 1024).toFixed(1)} kB`.padStart(9);
    console.log(`\nGzipped size (one build: no spread)      ${'JS'.padStart(9)} ${'CSS'.padStart(9)}   target`);
    console.log(`customer page, initial                   ${kB(customer.initialJs)} ${kB(customer.initialCss)}   JS < 60 kB ${customer.initialJs < 60 * 1024 ? 'met' : 'NOT MET'}`);
    console.log(`customer page, lazy (session, reports)   ${kB(customer.lazyJs)} ${kB(customer.lazyCss)}`);
    console.log(`rep console, initial                     ${kB(rep.initialJs)} ${kB(rep.initialCss)}`);
    console.log(`rep console, lazy                        ${kB(rep.lazyJs)} ${kB(rep.lazyCss)}`);
  }
}

await main();
