import { launchBrowser, startBenchServer } from '../server.ts';
const server = await startBenchServer(10);
const browser = await launchBrowser();
const page = await browser.newPage();
await page.goto(server.base + '/');
console.log(await page.evaluate(async () => {
  const big = new Uint8Array(64 * 1024 * 1024).fill(3);
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    let t0 = performance.now();
    const p = crypto.subtle.digest('SHA-256', big);
    const call = performance.now() - t0;
    await p;
    out.push(`digest 64MB: call ${call.toFixed(1)} ms, total ${(performance.now() - t0).toFixed(1)} ms`);
    const key = await crypto.subtle.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt']);
    t0 = performance.now();
    const e = crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, big);
    const call2 = performance.now() - t0;
    await e;
    out.push(`encrypt 64MB: call ${call2.toFixed(1)} ms, total ${(performance.now() - t0).toFixed(1)} ms`);
    const small = big.subarray(0, 64000);
    t0 = performance.now();
    for (let j = 0; j < 1000; j++) await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, small);
    out.push(`1000 x encrypt 64kB sequential: ${(performance.now() - t0).toFixed(1)} ms`);
    t0 = performance.now();
    await Promise.all(Array.from({ length: 1000 }, () => crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, small)));
    out.push(`1000 x encrypt 64kB parallel: ${(performance.now() - t0).toFixed(1)} ms`);
    t0 = performance.now();
    for (let j = 0; j < 1000; j++) small.slice();
    out.push(`1000 x slice 64kB: ${(performance.now() - t0).toFixed(1)} ms`);
  }
  return out.join('\n');
}));
await browser.close();
await server.close();
