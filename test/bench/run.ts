/**
 * `npm run bench`: figures for the README, not pass/fail tests.
 *   - join-to-verified: customer presses Join → customer page shows "Connected" (measured in the page)
 *   - chat round trip, on screen: rep presses Send → the rep sees "Delivered" (includes writing the
 *     message and the receipt to IndexedDB before showing them)
 *   - chat round trip, on the wire: the sealed chat leaves → the customer's sealed ack is opened
 *   - gzipped JavaScript of the customer page (initial, and everything needed to join)
 *   - file transfer: encrypted throughput against a raw data channel, and the sender's memory (files.ts)
 *   - network faults: time to notice a cut network, time to recover once it returns (network.ts)
 * Headless Chromium and the real server (in this process, loopback) on one machine.
 */
import { chromium, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../../signaling/config.ts';
import { createLogger } from '../../signaling/logger.ts';
import { createParleyServer } from '../../signaling/server.ts';
import { fileBench } from './files.ts';
import { networkBench } from './network.ts';

const JOIN_RUNS = Number(process.env.BENCH_JOIN_RUNS ?? 20);
const CHAT_RUNS = Number(process.env.BENCH_CHAT_RUNS ?? 100);
/** Size of the file sent for the file figures (0 skips them). */
const FILE_MB = Number(process.env.BENCH_FILE_MB ?? 200);
/** Network cuts for the drop/recovery figures (0 skips them). */
const NETWORK_RUNS = Number(process.env.BENCH_NETWORK_RUNS ?? 10);
const DIST = join(import.meta.dirname, '../../client/dist');

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { n: sorted.length, median: pick(0.5), p95: pick(0.95), min: sorted[0]!, max: sorted.at(-1)! };
}

function row(name: string, s: ReturnType<typeof stats>, unit = 'ms'): string {
  const f = (x: number) => x.toFixed(1).padStart(7);
  return `${name.padEnd(34)} ${f(s.median)} ${f(s.p95)} ${f(s.min)} ${f(s.max)}  ${unit} (n=${s.n})`;
}

/** Gzipped size of the JS a page loads: its entry and static imports, and (separately) dynamic chunks. */
function pageJs(html: string): { initial: number; files: string[] } {
  const srcs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(join(DIST, file), 'utf8');
    for (const m of code.matchAll(/from"\.\/([^"]+\.js)"|import"\.\/([^"]+\.js)"/g)) visit(`/assets/${m[1] ?? m[2]}`);
  };
  srcs.forEach(visit);
  const initial = [...seen].reduce((sum, f) => sum + gzipSync(readFileSync(join(DIST, f))).length, 0);
  return { initial, files: [...seen] };
}

function dynamicClosure(files: string[]): number {
  const seen = new Set(files);
  const queue = [...files];
  while (queue.length) {
    const code = readFileSync(join(DIST, queue.pop()!), 'utf8');
    // Static imports ("./x.js") and Vite's preload map of dynamic imports ("assets/x.js").
    for (const m of code.matchAll(/"\.\/([^"]+\.js)"|"assets\/([^"]+\.js)"/g)) {
      const f = `/assets/${m[1] ?? m[2]}`;
      // Rep-only chunks and other languages' catalogues are not part of an English customer's page.
      if (!seen.has(f) && existsSync(join(DIST, f)) && !f.includes('/rep-') && !f.includes('/fr-')) {
        seen.add(f);
        queue.push(f);
      }
    }
  }
  return [...seen].reduce((sum, f) => sum + gzipSync(readFileSync(join(DIST, f))).length, 0);
}

/**
 * Baseline: a bare RTCDataChannel between the same two pages (no Parley code, no sealing),
 * echoing on the customer side. Its round trip is the floor that Parley's figures sit on.
 */
async function rawRoundTrips(rep: Page, customer: Page, runs: number): Promise<number[]> {
  const offer = await rep.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('raw');
    Object.assign(window, { rawPc: pc, rawDc: dc });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  });
  const answer = await customer.evaluate(async (offer) => {
    const pc = new RTCPeerConnection();
    pc.ondatachannel = (e) => (e.channel.onmessage = (m) => e.channel.send(m.data));
    Object.assign(window, { rawPc: pc });
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  }, offer);
  return rep.evaluate(
    async ({ answer, runs }) => {
      const { rawPc, rawDc } = window as unknown as { rawPc: RTCPeerConnection; rawDc: RTCDataChannel };
      await rawPc.setRemoteDescription(answer);
      if (rawDc.readyState !== 'open') await new Promise((r) => rawDc.addEventListener('open', r, { once: true }));
      const out: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await new Promise<void>((r) => {
          rawDc.addEventListener('message', () => r(), { once: true });
          rawDc.send(`ping ${i} 🙂`);
        });
        out.push(performance.now() - t0);
      }
      return out;
    },
    { answer, runs },
  );
}

async function waitConnected(page: Page): Promise<void> {
  await page.getByTestId('connection-status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', JOINS_PER_MINUTE_PER_IP: '100000', ROOMS_PER_MINUTE_PER_IP: '100000', CONNECTIONS_PER_IP: '10000', MESSAGES_PER_SECOND_PER_SOCKET: '100000', FILE_MAX_BYTES: String(Math.max(1, FILE_MB) * 1024 * 1024), FILE_TYPES: '*', FILE_AUTO_ACCEPT_FROM_REP: 'true' });
  const server = createParleyServer(config, { logger: createLogger('error') });
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
  const browser = await chromium.launch({
    executablePath,
    args: ['--disable-background-networking', '--disable-component-update', '--disable-features=WebRtcHideLocalIpsWithMdns'],
  });

  const joins: number[] = [];
  const rtts: number[] = [];
  const wireRtts: number[] = [];
  let rawRtts: number[] = [];
  for (let run = 0; run < JOIN_RUNS; run++) {
    const repCtx = await browser.newContext();
    const custCtx = await browser.newContext();
    // tsx keeps function names with a `__name` helper that the page does not have.
    for (const ctx of [repCtx, custCtx]) await ctx.addInitScript('window.__name = (f) => f');
    const rep = await repCtx.newPage();
    const customer = await custCtx.newPage();
    await rep.goto(`${base}/rep`);
    await customer.goto(base);
    await rep.getByRole('button', { name: 'Start session' }).first().click();
    const code = (await rep.getByTestId('session-code').textContent())!;
    await customer.getByLabel('Session code').fill(code);
    // A person takes a few seconds to type a code; the page uses them to load and connect.
    await customer.waitForTimeout(500);
    // Timed inside the page: click → the status element says "Connected".
    const ms = await customer.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const status = () => document.querySelector('[data-testid="connection-status"]')?.textContent ?? '';
          const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Join')!;
          const t0 = performance.now();
          const observer = new MutationObserver(() => {
            if (status().includes('Connected')) {
              observer.disconnect();
              resolve(performance.now() - t0);
            }
          });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
          button.click();
        }),
    );
    joins.push(ms);
    await waitConnected(rep);
    if (run === 0) {
      for (let i = 0; i < CHAT_RUNS; i++) {
        rtts.push(
          await rep.evaluate(
            (text) =>
              new Promise<number>((resolve) => {
                const box = document.querySelector<HTMLTextAreaElement>('#message-input')!;
                const delivered = () => document.querySelectorAll('[data-delivery="delivered"]').length;
                const before = delivered();
                box.value = text;
                box.dispatchEvent(new Event('input', { bubbles: true }));
                const t0 = performance.now();
                const observer = new MutationObserver(() => {
                  if (delivered() > before) {
                    observer.disconnect();
                    resolve(performance.now() - t0);
                  }
                });
                observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
                box.form!.requestSubmit();
              }),
            `bench message ${i} 🙂`,
          ),
        );
      }
      // The same messages at the protocol level: sealed chat sent → sealed ack opened (marks in session.ts).
      wireRtts.push(
        ...(await rep.evaluate(() => {
          const sent = new Map<string, number>();
          const out: number[] = [];
          for (const mark of performance.getEntriesByType('mark') as PerformanceMark[]) {
            if (mark.name === 'parley:chat-sent') sent.set(mark.detail as string, mark.startTime);
            if (mark.name === 'parley:chat-acked' && sent.has(mark.detail as string)) out.push(mark.startTime - sent.get(mark.detail as string)!);
          }
          return out;
        })),
      );
    }
    if (run === 0) rawRtts = await rawRoundTrips(rep, customer, CHAT_RUNS);
    await repCtx.close();
    await custCtx.close();
  }
  const files = FILE_MB > 0 ? await fileBench(browser, base, FILE_MB) : null;
  const network = NETWORK_RUNS > 0 ? await networkBench(browser, base, NETWORK_RUNS) : null;
  await browser.close();
  await server.close();

  const customer = pageJs(readFileSync(join(DIST, 'index.html'), 'utf8'));
  const rep = pageJs(readFileSync(join(DIST, 'rep/index.html'), 'utf8'));
  const customerAll = dynamicClosure(customer.files);

  console.log(`\nParley benchmark — ${new Date().toISOString()} — headless Chromium, one machine, loopback\n`);
  console.log(`${'figure'.padEnd(34)} ${'median'.padStart(7)} ${'p95'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}`);
  console.log(row('join → verified (customer page)', stats(joins)));
  console.log(row('chat round trip, on screen', stats(rtts)));
  console.log(row('chat round trip, sealed on the wire', stats(wireRtts)));
  console.log(row('raw RTCDataChannel round trip', stats(rawRtts)));
  if (network) {
    console.log(row('network cut → noticed, rep', stats(network.detectRep)));
    console.log(row('network cut → noticed, customer', stats(network.detectCustomer)));
    console.log(row('network back → both Connected', stats(network.recover)));
  }
  console.log(`\n${'customer page JS, initial'.padEnd(34)} ${(customer.initial / 1024).toFixed(1)} kB gzipped`);
  console.log(`${'customer page JS, all to join'.padEnd(34)} ${(customerAll / 1024).toFixed(1)} kB gzipped`);
  console.log(`${'rep console JS, initial'.padEnd(34)} ${(rep.initial / 1024).toFixed(1)} kB gzipped`);
  if (files) {
    const share = ((100 * files.encryptedMBps) / files.rawMBps).toFixed(0);
    console.log(`\nfile transfer, ${files.sizeMB} MB of random bytes, rep → customer (auto-accepted)`);
    console.log(`${'encrypted file throughput'.padEnd(34)} ${files.encryptedMBps.toFixed(1)} MB/s (${share}% of raw; accept → received and SHA-256 checked)`);
    console.log(`${'raw RTCDataChannel throughput'.padEnd(34)} ${files.rawMBps.toFixed(1)} MB/s (same pages, same frame size and watermarks)`);
    console.log(`${'hashing before the offer'.padEnd(34)} ${files.prepareSeconds.toFixed(1)} s`);
    console.log(`${'sending page JS heap'.padEnd(34)} idle ${files.idleHeapMB.toFixed(1)} MB, peak ${files.peakHeapMB.toFixed(1)} MB (+${(files.peakHeapMB - files.idleHeapMB).toFixed(1)} MB)`);
    console.log(`${'main thread busy during transfer'.padEnd(34)} sender ${(100 * files.senderBusy).toFixed(0)}%, receiver ${(100 * files.receiverBusy).toFixed(0)}%`);
  }
}

await main();
