// Throwaway experiment: raw vs per-stage costs of the encrypted path. Not committed.
import type { Page } from '@playwright/test';
import { launchBrowser, startBenchServer } from '../server.ts';
import { chromiumCpu, cpuBetween } from '../procmem.ts';
const cpuRes: Record<string, number[]> = {};

const MB = 1024 * 1024;
const FRAME = Number(process.env.FRAME ?? 64_048);
const SIZE = Number(process.env.SIZE_MB ?? 100) * MB;

async function connect(a: Page, b: Page) {
  const offer = await a.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('x', { ordered: true });
    dc.binaryType = 'arraybuffer';
    Object.assign(window, { xpc: pc, xdc: dc });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  });
  const answer = await b.evaluate(async (offer) => {
    const pc = new RTCPeerConnection();
    const got = new Promise<RTCDataChannel>((r) => (pc.ondatachannel = (e) => r(e.channel)));
    Object.assign(window, { xpc: pc, xgot: got });
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  }, offer);
  await a.evaluate(async (answer) => {
    const w = window as any;
    await w.xpc.setRemoteDescription(answer);
    if (w.xdc.readyState !== 'open') await new Promise((r) => w.xdc.addEventListener('open', r, { once: true }));
  }, answer);
}

async function run(a: Page, b: Page, mode: string): Promise<number> {
  await connect(a, b);
  const key = Array.from(crypto.getRandomValues(new Uint8Array(32)));
  await b.evaluate(async ({ mode, size, key }) => {
    const w = window as any;
    const dc: RTCDataChannel = await w.xgot;
    dc.binaryType = 'arraybuffer';
    const k = await crypto.subtle.importKey('raw', new Uint8Array(key), 'AES-GCM', false, ['decrypt']);
    let got = 0;
    let tail: Promise<unknown> = Promise.resolve();
    let n = 0;
    const BLOCK = 4 * MBx();
    function MBx() { return 1024 * 1024; }
    let part = new Uint8Array(BLOCK);
    let filled = 0;
    const blobs: Blob[] = [];
    const digests: Promise<ArrayBuffer>[] = [];
    const consume = (p: Uint8Array) => {
      if (mode.includes('blob') || mode.includes('digest')) {
        let off = 0;
        while (off < p.length) {
          const take = Math.min(p.length - off, BLOCK - filled);
          part.set(p.subarray(off, off + take), filled);
          filled += take; off += take;
          if (filled === BLOCK) {
            if (mode.includes('digest')) digests.push(crypto.subtle.digest('SHA-256', part));
            if (mode.includes('blob')) blobs.push(new Blob([part]));
            filled = 0;
          }
        }
      }
      got += p.length;
      if (got >= size) dc.send('done');
    };
    dc.onmessage = (m) => {
      const data = m.data as ArrayBuffer;
      if (mode === 'raw') return consume(new Uint8Array(data));
      const iv = new Uint8Array(12);
      iv.set(new Uint8Array(data, 0, 8), 4);
      const opened = crypto.subtle.decrypt({ name: 'AES-GCM', iv }, k, new Uint8Array(data, 8));
      n++;
      tail = tail.then(() => opened).then((p) => consume(new Uint8Array(p).subarray(0, (p as ArrayBuffer).byteLength)));
    };
  }, { mode, size: SIZE, key });
  return a.evaluate(async ({ mode, size, frame, key }) => {
    const w = window as any;
    const dc: RTCDataChannel = w.xdc;
    const HIGH = 4 * 1024 * 1024, LOW = 1024 * 1024;
    dc.bufferedAmountLowThreshold = LOW;
    const k = await crypto.subtle.importKey('raw', new Uint8Array(key), 'AES-GCM', false, ['encrypt']);
    const plain = new Uint8Array(mode === "raw" ? frame : frame - 24).fill(7);
    const done = new Promise<void>((r) => dc.addEventListener('message', () => r(), { once: true }));
    let sealing = 0;
    let waiter: (() => void) | null = null;
    const wake = () => { if (sealing + dc.bufferedAmount <= HIGH && waiter) { const w2 = waiter; waiter = null; w2(); } };
    dc.addEventListener('bufferedamountlow', wake);
    let tail: Promise<unknown> = Promise.resolve();
    const t0 = performance.now();
    let counter = 0;
    for (let sent = 0; sent < size; sent += plain.length) {
      if (mode === 'raw') {
        dc.send(plain);
        if (dc.bufferedAmount > HIGH) await new Promise<void>((r) => { waiter = r; });
        continue;
      }
      const iv = new Uint8Array(12);
      new DataView(iv.buffer).setUint32(8, counter++);
      sealing += plain.length;
      const sealed = crypto.subtle.encrypt({ name: 'AES-GCM', iv }, k, plain);
      tail = tail.then(() => sealed).then((box) => {
        sealing -= plain.length;
        const out = new Uint8Array(8 + (box as ArrayBuffer).byteLength);
        out.set(iv.subarray(4), 0);
        out.set(new Uint8Array(box as ArrayBuffer), 8);
        dc.send(out);
        wake();
      });
      if (sealing + dc.bufferedAmount > HIGH) await new Promise<void>((r) => { waiter = r; });
    }
    await done;
    const ms = performance.now() - t0;
    w.xpc.close();
    return ms;
  }, { mode, size: SIZE, frame: FRAME, key }).then(async (ms) => { await b.evaluate(() => (window as any).xpc.close()); return SIZE / MB / (ms / 1000); });
}

const server = await startBenchServer(10);
const browser = await launchBrowser();
const ctxA = await browser.newContext();
const ctxB = await browser.newContext();
for (const c of [ctxA, ctxB]) await c.addInitScript('window.__name = (f) => f');
const a = await ctxA.newPage();
const b = await ctxB.newPage();
await a.goto(server.base + '/');
await b.goto(server.base + '/');
const modes = (process.env.MODES ?? 'raw,crypto,crypto-digest,crypto-blob,crypto-digest-blob').split(',');
const res: Record<string, number[]> = {};
for (let i = 0; i < Number(process.env.ROUNDS ?? 3); i++) {
  for (const m of modes) {
    const c0 = chromiumCpu();
    const v = await run(a, b, m);
    const cpu = (1000 * cpuBetween(c0, chromiumCpu()).total) / (SIZE / MB);
    (cpuRes[m] ??= []).push(cpu);
    (res[m] ??= []).push(v);
    console.log(i, m, v.toFixed(1), 'MB/s', cpu.toFixed(1), 'cpu ms/MB');
  }
}
for (const m of modes) {
  const s = [...res[m]!].sort((x, y) => x - y);
  console.log(m.padEnd(22), 'median', s[Math.floor(s.length / 2)]!.toFixed(1), 'MB/s', 'cpu ms/MB', [...cpuRes[m]!].sort((x, y) => x - y)[Math.floor(s.length / 2)]!.toFixed(1), 'ratio', (s[Math.floor(s.length / 2)]! / [...res.raw!].sort((x, y) => x - y)[Math.floor(res.raw!.length / 2)]!).toFixed(2));
}
await browser.close();
await server.close();
