/**
 * Network-fault figures: how long until a dropped network is noticed (each side's status says
 * "reconnecting"), and how long after the network returns until both sides say "Connected"
 * again. All WebRTC traffic goes through UDP forwarders that the benchmark cuts and restores
 * (test/e2e/network-fault.ts), so the fault is real packet loss, not a page-level shortcut.
 */
import type { Browser, Page } from '@playwright/test';
import { UdpFaultProxy, routeThrough } from '../e2e/network-fault.ts';
import { openSession } from './pages.ts';

export interface NetworkBench {
  detectRep: number[];
  detectCustomer: number[];
  recover: number[];
}

/** Resolves with the ms from `since` until the status badge of `page` contains `text`. */
async function statusAfter(page: Page, text: string, since: number): Promise<number> {
  await page.waitForFunction((t) => document.querySelector('[data-testid="connection-status"]')?.textContent?.includes(t), text, {
    polling: 20,
    timeout: 60_000,
  });
  return Date.now() - since;
}

export async function networkBench(browser: Browser, base: string, runs: number, outageMs = 5_000): Promise<NetworkBench> {
  const proxy = new UdpFaultProxy();
  const result: NetworkBench = { detectRep: [], detectCustomer: [], recover: [] };
  const { rep, customer, close } = await openSession(browser, base, (page) => routeThrough(page, proxy));
  try {
    for (let run = 0; run < runs; run++) {
      await rep.waitForTimeout(1_500); // a settled link, heartbeats flowing
      const cutAt = Date.now();
      proxy.cut();
      const [r, c] = await Promise.all([statusAfter(rep, 'reconnecting', cutAt), statusAfter(customer, 'reconnecting', cutAt)]);
      result.detectRep.push(r);
      result.detectCustomer.push(c);
      await rep.waitForTimeout(Math.max(0, outageMs - Math.max(r, c)));
      const backAt = Date.now();
      proxy.restore();
      const back = await Promise.all([statusAfter(rep, 'Connected', backAt), statusAfter(customer, 'Connected', backAt)]);
      result.recover.push(Math.max(...back));
    }
  } finally {
    await close();
    await proxy.close();
  }
  return result;
}
