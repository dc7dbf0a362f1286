/**
 * File transfer figures for `npm run bench`, each over `runs` transfers (a fresh session each):
 *   - encrypted file throughput between two headless Chromium pages (the customer's browser
 *     accepts the rep's file automatically): first accept → file received and its content
 *     hash checked, from the receiving page's performance marks;
 *   - raw RTCDataChannel throughput between the same two pages just before and just after, same
 *     frame size and the same buffer watermarks as Parley's bulk channel, no encryption, no
 *     hashing, no disk; the ratio of each run is encrypted / mean(raw before, raw after) (the
 *     shared machine's load drifts);
 *   - the same bare channel on the session's own connection, last in each run (after 400 MB on
 *     that connection; not in the ratio): whether the raw figure's fresh connection has an
 *     advantage;
 *   - each page's memory above the same page idle while the same file is sent a second time
 *     (after the timed transfer and the raw one after it: sampling slows what it watches): its
 *     renderer process's RSS (everything the page holds: Blobs in the making, ArrayBuffers,
 *     Workers) and its JS heap (CDP Performance.getMetrics JSHeapUsedSize), every 100 ms;
 *   - how busy each page's main thread was during the transfer (TaskDuration over wall time);
 *   - the longest pause in the encrypted transfer (no chunk arrived) and the packets the sending
 *     browser discarded on send meanwhile (getStats `packetsDiscardedOnSend`): a burst too big
 *     for the browser's send path loses packets by the hundred, and SCTP stalls for seconds;
 *   - CPU time per MB of all Chromium processes, raw and encrypted, and where the encrypted
 *     transfer's went (sender's renderer, receiver's renderer, browser process): on a 2-core
 *     machine CPU is what the encrypted transfer runs short of.
 * The file is random bytes on disk, handed to the file input by path (as a user's pick would be).
 */
import type { Browser, CDPSession, Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { BULK_FRAME_OVERHEAD } from '../../protocol/bulk-seal.ts';
import { FILE_CHUNK_BYTES, encodeFileChunk } from '../../protocol/file.ts';
import { newMessageId } from '../../protocol/peer.ts';
import { BULK_CHANNEL_ID, HIGH_WATER, LOW_WATER } from '../../client/src/lib/bulk-channel.ts';
import { openSession } from './pages.ts';
import { browserPid, chromiumCpu, cpuBetween, rendererPid, rssMB } from './procmem.ts';

const MB = 1024 * 1024;
/** Id of the bare channel opened beside Parley's bulk channel on the session's connection. */
const RAW_ON_SESSION_CHANNEL_ID = BULK_CHANNEL_ID + 100;
/** A full chunk frame as it goes on the wire: the encoded chunk (with a file id as Parley makes them) and the tag. */
const WIRE_FRAME_BYTES = encodeFileChunk(newMessageId(), 0, new Uint8Array(FILE_CHUNK_BYTES)).length + BULK_FRAME_OVERHEAD;

export interface FileBench {
  sizeMB: number;
  /** Per run: encrypted transfer, accept → received and checked (MB/s, MB = 2^20 bytes). */
  encryptedMBps: number[];
  rawMBps: number[];
  /** Per run: a bare channel on the session's own connection, last in the run (MB/s). */
  rawOnSessionMBps: number[];
  /** Per run: encrypted / raw of the same run (0–1). */
  ratio: number[];
  /** Sender's hashing before the offer (s). */
  prepareSeconds: number[];
  /** Per run, MB above the page idle: renderer RSS and JS heap, sender and receiver. */
  senderRss: number[];
  receiverRss: number[];
  senderHeap: number[];
  receiverHeap: number[];
  /** Browser process (Blob storage) RSS above idle, MB. */
  browserRss: number[];
  /** Share of the transfer's wall time each page's main thread was busy (0–1). */
  senderBusy: number[];
  receiverBusy: number[];
  /** Per run: the longest time no chunk arrived during the timed transfer (ms). */
  longestPauseMs: number[];
  /** Per run: packets the sending browser discarded on send during the timed transfer. */
  discardedPackets: number[];
  /** CPU ms per MB of all Chromium processes: raw (the run before), encrypted. */
  rawCpuMsPerMB: number[];
  encryptedCpuMsPerMB: number[];
  /** CPU ms per MB of the encrypted transfer in the sender's and receiver's renderers and the browser process. */
  senderCpuMsPerMB: number[];
  receiverCpuMsPerMB: number[];
  browserCpuMsPerMB: number[];
  /** The same three, over the raw transfer. */
  rawSenderCpuMsPerMB: number[];
  rawReceiverCpuMsPerMB: number[];
  rawBrowserCpuMsPerMB: number[];
}

async function randomFile(sizeMB: number): Promise<{ path: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-'));
  const path = join(dir, 'bench.bin');
  const out = createWriteStream(path);
  for (let i = 0; i < sizeMB; i++) if (!out.write(randomBytes(MB))) await new Promise((r) => out.once('drain', r));
  out.end();
  await finished(out);
  return { path, dir };
}

/** A bare RTCDataChannel between the two pages, `bytes` sent in wire-sized frames with Parley's watermarks. */
async function rawThroughput(rep: Page, customer: Page, bytes: number): Promise<number> {
  const offer = await rep.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('raw-bulk', { ordered: true });
    dc.binaryType = 'arraybuffer';
    Object.assign(window, { rawBulkPc: pc, rawBulkDc: dc });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  });
  const answer = await customer.evaluate(async ({ offer, bytes }) => {
    const pc = new RTCPeerConnection();
    pc.ondatachannel = (e) => (window as unknown as BenchWindow).__benchSink(e.channel, bytes);
    Object.assign(window, { rawBulkPc: pc });
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  }, { offer, bytes });
  const ms = await rep.evaluate(
    async ({ answer, bytes, frame, high, low }) => {
      const { rawBulkPc: pc, rawBulkDc: dc } = window as unknown as { rawBulkPc: RTCPeerConnection; rawBulkDc: RTCDataChannel };
      await pc.setRemoteDescription(answer);
      return (window as unknown as BenchWindow).__benchPump(dc, bytes, frame, high, low);
    },
    { answer, bytes, frame: WIRE_FRAME_BYTES, high: HIGH_WATER, low: LOW_WATER },
  );
  await rep.evaluate(() => (window as unknown as { rawBulkPc: RTCPeerConnection }).rawBulkPc.close());
  await customer.evaluate(() => (window as unknown as { rawBulkPc: RTCPeerConnection }).rawBulkPc.close());
  return bytes / MB / (ms / 1000);
}

/**
 * A bare channel on the session's own connection (a second pre-negotiated channel beside
 * Parley's), last in a run: same SCTP association, same path, same watermarks.
 * Tells whether the fresh connection of the raw figure has an advantage the session's lacks.
 */
async function rawOnSessionThroughput(rep: Page, customer: Page, bytes: number, channelId: number): Promise<number> {
  await customer.evaluate(({ bytes, channelId }) => {
    const w = window as unknown as BenchWindow;
    const pc = w.__benchSessionPc();
    w.__benchSink(pc.createDataChannel('raw-on-session', { negotiated: true, id: channelId }), bytes);
  }, { bytes, channelId });
  const ms = await rep.evaluate(
    async ({ bytes, frame, high, low, channelId }) => {
      const w = window as unknown as BenchWindow;
      const pc = w.__benchSessionPc();
      const dc = pc.createDataChannel('raw-on-session', { negotiated: true, id: channelId });
      const ms = await w.__benchPump(dc, bytes, frame, high, low);
      dc.close();
      return ms;
    },
    { bytes, frame: WIRE_FRAME_BYTES, high: HIGH_WATER, low: LOW_WATER, channelId },
  );
  return bytes / MB / (ms / 1000);
}

/** What watchConnections leaves on a page's window. */
type BenchWindow = {
  __benchPcs: RTCPeerConnection[];
  __benchPause: { first: number; last: number; longest: number; reset(): void };
  /** Sends `bytes` in `frame`-byte frames with the given watermarks; ms until the far side said done. */
  __benchPump(dc: RTCDataChannel, bytes: number, frame: number, high: number, low: number): Promise<number>;
  /** Counts what arrives on `dc` and says done once `bytes` have. */
  __benchSink(dc: RTCDataChannel, bytes: number): void;
  /** The page's one connected RTCPeerConnection (the session's); throws if there is not exactly one. */
  __benchSessionPc(): RTCPeerConnection;
};

/**
 * Init script for both pages: keeps the page's RTCPeerConnections (for their stats) and, on the
 * bulk channel, the first frame's time and the longest gap between two received frames since
 * `__benchPause.reset()`.
 */
function watchConnections(): void {
  const w = window as unknown as BenchWindow;
  const Native = window.RTCPeerConnection;
  w.__benchPcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      w.__benchPcs.push(this);
    }
  };
  w.__benchPump = async (dc, bytes, frame, high, low) => {
    dc.binaryType = 'arraybuffer';
    if (dc.readyState !== 'open') await new Promise((r) => dc.addEventListener('open', r, { once: true }));
    dc.bufferedAmountLowThreshold = low;
    const data = new Uint8Array(frame);
    for (let at = 0; at < frame; at += 65_536) crypto.getRandomValues(data.subarray(at, at + 65_536)); // 64 KiB a call at most
    const done = new Promise<void>((r) => dc.addEventListener('message', () => r(), { once: true }));
    const t0 = performance.now();
    for (let sent = 0; sent < bytes; sent += frame) {
      dc.send(data);
      if (dc.bufferedAmount > high) await new Promise((r) => dc.addEventListener('bufferedamountlow', r, { once: true }));
    }
    await done;
    return performance.now() - t0;
  };
  w.__benchSessionPc = () => {
    const connected = w.__benchPcs.filter((p) => p.connectionState === 'connected');
    if (connected.length !== 1) throw new Error(`expected the session's connection alone, found ${connected.length} connected`);
    return connected[0]!;
  };
  w.__benchSink = (dc, bytes) => {
    let got = 0;
    dc.binaryType = 'arraybuffer';
    dc.onmessage = (m) => {
      got += (m.data as ArrayBuffer).byteLength;
      if (got >= bytes) dc.send('done');
    };
  };
  w.__benchPause = { first: 0, last: 0, longest: 0, reset: () => Object.assign(w.__benchPause, { first: 0, last: 0, longest: 0 }) };
  const listen = RTCDataChannel.prototype.addEventListener;
  RTCDataChannel.prototype.addEventListener = function (this: RTCDataChannel, ...args: Parameters<RTCDataChannel['addEventListener']>) {
    if (args[0] === 'message' && this.label === 'parley-bulk') {
      listen.call(this, 'message', () => {
        const now = performance.now();
        const p = w.__benchPause;
        if (p.last) p.longest = Math.max(p.longest, now - p.last);
        else p.first = now;
        p.last = now;
      });
    }
    return listen.apply(this, args);
  } as RTCDataChannel['addEventListener'];
}

/** Packets the page's browser discarded on send, over all its connections' candidate pairs. */
function discardedOnSend(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let sum = 0;
    for (const pc of (window as unknown as BenchWindow).__benchPcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; packetsDiscardedOnSend?: number }) => {
        if (s.type === 'candidate-pair') sum += s.packetsDiscardedOnSend ?? 0;
      });
    }
    return sum;
  });
}

/** Waits until the receiving page has `count` received copies of the file (links to save it). */
function received(customer: Page, count: number): Promise<void> {
  return customer.getByRole('link', { name: 'bench.bin', exact: true }).nth(count - 1).waitFor({ timeout: 30 * 60_000 });
}

/** Waits until the sending page shows `count` files delivered. */
function delivered(rep: Page, count: number): Promise<void> {
  return rep.getByText('Delivered —').nth(count - 1).waitFor({ timeout: 60_000 });
}

/** Duration between two performance marks of a page (the last of each name), in ms. */
function between(page: Page, from: string, to: string): Promise<number> {
  return page.evaluate(
    ([a, b]) => performance.getEntriesByName(b!).at(-1)!.startTime - performance.getEntriesByName(a!).at(-1)!.startTime,
    [from, to],
  );
}

async function metric(cdp: CDPSession, name: string): Promise<number> {
  return (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? 0;
}

/** Peak-above-idle sampler of one figure. */
function sampler(read: () => number | Promise<number>): { idle: (v: number) => void; stop: () => Promise<number> } {
  let idle = 0;
  let peak = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      peak = Math.max(peak, await read());
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    idle: (v) => void (idle = v),
    stop: async () => ((on = false), await loop, Math.max(0, peak - idle)),
  };
}

/**
 * Runs the file figures on a server whose policy allows `sizeMB` files of any type, with
 * auto-accept from the rep (set FILE_MAX_BYTES, FILE_TYPES and FILE_AUTO_ACCEPT_FROM_REP).
 */
export async function fileBench(browser: Browser, base: string, sizeMB: number, runs: number, profileDir?: string): Promise<FileBench> {
  const { path, dir } = await randomFile(sizeMB);
  const out: FileBench = { sizeMB, encryptedMBps: [], rawMBps: [], rawOnSessionMBps: [], ratio: [], prepareSeconds: [], senderRss: [], receiverRss: [], senderHeap: [], receiverHeap: [], browserRss: [], senderBusy: [], receiverBusy: [], longestPauseMs: [], discardedPackets: [], rawCpuMsPerMB: [], encryptedCpuMsPerMB: [], senderCpuMsPerMB: [], receiverCpuMsPerMB: [], browserCpuMsPerMB: [], rawSenderCpuMsPerMB: [], rawReceiverCpuMsPerMB: [], rawBrowserCpuMsPerMB: [] };
  try {
    for (let run = 0; run < runs; run++) {
      const { rep, customer, close } = await openSession(browser, base, async (page) => void (await page.addInitScript(watchConnections))); // the rep's page sends
      try {
        const [repPid, customerPid] = [await rendererPid(rep), await rendererPid(customer)];
        const bPid = browserPid();
        const rawCpuFrom = chromiumCpu();
        const rawBefore = await rawThroughput(rep, customer, sizeMB * MB);
        const rawCpu = cpuBetween(rawCpuFrom, chromiumCpu(), [repPid, customerPid, bPid ?? -1]);
        out.rawCpuMsPerMB.push((1000 * rawCpu.total) / sizeMB);
        for (const [i, key] of (['rawSenderCpuMsPerMB', 'rawReceiverCpuMsPerMB', 'rawBrowserCpuMsPerMB'] as const).entries()) out[key].push((1000 * rawCpu.of[i]!) / sizeMB);
        const cdp = await rep.context().newCDPSession(rep);
        const customerCdp = await customer.context().newCDPSession(customer);
        for (const c of [cdp, customerCdp]) await c.send('Performance.enable');
        const profiling = profileDir && run === runs - 1 ? [cdp, customerCdp] : [];

        // 1. The timed transfer, observed only at its ends: sampling memory over CDP every 100 ms
        //    interrupts both pages' threads and cost it 10-20 points of the ratio.
        await customer.evaluate(() => (window as unknown as BenchWindow).__benchPause.reset());
        const discardedBefore = await discardedOnSend(rep);
        await rep.getByLabel('Attach files').setInputFiles(path);
        for (const c of profiling) {
          await c.send('Profiler.enable');
          await c.send('Profiler.setSamplingInterval', { interval: 200 });
          await c.send('Profiler.start');
        }
        const sendClicked = await rep.evaluate(() => performance.now());
        await rep.getByRole('button', { name: 'Send', exact: true }).click();
        // Busy time from the offer on (the hashing before it is reported apart).
        await customer.getByRole('link', { name: /bench\.bin/ }).or(customer.getByRole('progressbar')).first().waitFor({ timeout: 60_000 });
        const busyFrom = { at: Date.now(), sender: await metric(cdp, 'TaskDuration'), receiver: await metric(customerCdp, 'TaskDuration') };
        const cpuFrom = chromiumCpu();
        await received(customer, 1);
        const cpu = cpuBetween(cpuFrom, chromiumCpu(), [repPid, customerPid, bPid ?? -1]);
        out.encryptedCpuMsPerMB.push((1000 * cpu.total) / sizeMB);
        for (const [i, key] of (['senderCpuMsPerMB', 'receiverCpuMsPerMB', 'browserCpuMsPerMB'] as const).entries()) out[key].push((1000 * cpu.of[i]!) / sizeMB);
        const wall = (Date.now() - busyFrom.at) / 1000;
        out.senderBusy.push(((await metric(cdp, 'TaskDuration')) - busyFrom.sender) / wall);
        out.receiverBusy.push(((await metric(customerCdp, 'TaskDuration')) - busyFrom.receiver) / wall);
        // From the accept on: a stall before the first chunk counts too.
        out.longestPauseMs.push(
          await customer.evaluate(() => {
            const p = (window as unknown as BenchWindow).__benchPause;
            return Math.max(p.longest, p.first - performance.getEntriesByName('parley:file-in-accepted').at(-1)!.startTime);
          }),
        );
        out.discardedPackets.push((await discardedOnSend(rep)) - discardedBefore);
        await delivered(rep, 1);
        for (const [c, name] of profiling.map((c, i) => [c, i === 0 ? 'sender' : 'receiver'] as const)) {
          await writeFile(join(profileDir!, `file-${name}.cpuprofile`), JSON.stringify((await c.send('Profiler.stop')).profile));
        }
        const transferMs = await between(customer, 'parley:file-in-accepted', 'parley:file-in-done');
        const offeredAt = await rep.evaluate(() => performance.getEntriesByName('parley:file-out-offered').at(-1)!.startTime);
        const rawAfter = await rawThroughput(rep, customer, sizeMB * MB);

        // 2. The same file again, for memory: both pages and the browser sampled every 100 ms.
        for (const c of [cdp, customerCdp]) await c.send('HeapProfiler.collectGarbage');
        await rep.waitForTimeout(500);
        const samplers = {
          senderRss: sampler(() => rssMB(repPid)),
          receiverRss: sampler(() => rssMB(customerPid)),
          senderHeap: sampler(async () => (await metric(cdp, 'JSHeapUsedSize')) / MB),
          receiverHeap: sampler(async () => (await metric(customerCdp, 'JSHeapUsedSize')) / MB),
          browserRss: sampler(() => (bPid ? rssMB(bPid) : 0)),
        };
        samplers.senderRss.idle(rssMB(repPid));
        samplers.receiverRss.idle(rssMB(customerPid));
        samplers.senderHeap.idle((await metric(cdp, 'JSHeapUsedSize')) / MB);
        samplers.receiverHeap.idle((await metric(customerCdp, 'JSHeapUsedSize')) / MB);
        samplers.browserRss.idle(bPid ? rssMB(bPid) : 0);
        await rep.getByLabel('Attach files').setInputFiles(path);
        await rep.getByRole('button', { name: 'Send', exact: true }).click();
        await received(customer, 2);
        await delivered(rep, 2);
        for (const [key, s] of Object.entries(samplers)) out[key as keyof typeof samplers].push(await s.stop());
        // Last: 200 MB more on the session's connection must not change the memory pass's idle baseline.
        out.rawOnSessionMBps.push(await rawOnSessionThroughput(rep, customer, sizeMB * MB, RAW_ON_SESSION_CHANNEL_ID));

        const encrypted = sizeMB / (transferMs / 1000);
        const raw = (rawBefore + rawAfter) / 2;
        out.encryptedMBps.push(encrypted);
        out.rawMBps.push(raw);
        out.ratio.push(encrypted / raw);
        out.prepareSeconds.push((offeredAt - sendClicked) / 1000);
      } finally {
        await close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
