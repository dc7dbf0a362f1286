/**
 * Resident memory of a page's renderer process (Linux /proc), for the file benchmark: a Blob or
 * an ArrayBuffer is not in the JS heap that CDP reports, the renderer's RSS has everything the
 * page holds (its Workers included: dedicated Workers run in the page's renderer).
 *
 * Which renderer is a page's: each browser context has its own renderer process; the page is
 * made to spin its main thread for a moment and the renderer whose CPU time grew is its own.
 */
import type { Page } from '@playwright/test';
import { readFileSync, readdirSync } from 'node:fs';

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** utime + stime of `pid` in clock ticks, or undefined once it is gone. */
function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** Resident set size of `pid` in MB (0 once it is gone). */
export function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) for (const c of children.get(queue.pop()!) ?? []) (out.push(c), queue.push(c));
  return out;
}

/** The Chromium renderer processes started by this bench process. */
function renderers(): number[] {
  return descendants(process.pid).filter((pid) => cmdline(pid).includes('--type=renderer'));
}

/** The browser process (Blob storage lives there), started by this bench process. */
export function browserPid(): number | undefined {
  return descendants(process.pid).find((pid) => /chrom/.test(cmdline(pid).split('\0')[0] ?? '') && !cmdline(pid).includes('--type='));
}

export async function rendererPid(page: Page): Promise<number> {
  const before = new Map(renderers().map((pid) => [pid, cpuTicks(pid)]));
  await page.evaluate(() => {
    const t0 = performance.now();
    while (performance.now() - t0 < 400);
  });
  let best = -1;
  let bestGain = -1;
  for (const [pid, ticks] of before) {
    const gain = ticks === undefined ? -1 : (cpuTicks(pid) ?? ticks) - ticks;
    if (gain > bestGain) (best = pid), (bestGain = gain);
  }
  if (best < 0) throw new Error('no renderer process found');
  return best;
}

/**
 * CPU time, in seconds, used so far by each Chromium process this bench process started (a
 * process gone before its /proc entry was read is left out).
 */
export function chromiumCpu(): Map<number, number> {
  const ticksPerSecond = 100; // USER_HZ on Linux
  const out = new Map<number, number>();
  for (const pid of descendants(process.pid)) {
    if (!/chrom/.test(cmdline(pid).split('\0')[0] ?? '')) continue;
    const ticks = cpuTicks(pid);
    if (ticks !== undefined) out.set(pid, ticks / ticksPerSecond);
  }
  return out;
}

/**
 * CPU seconds between two chromiumCpu() readings, of the processes present in both (Chromium's
 * processes live as long as the browser: none starts or ends during a transfer), and `of` each
 * given pid.
 */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>, of: number[] = []): { total: number; of: number[] } {
  const used = (pid: number) => (before.has(pid) && after.has(pid) ? after.get(pid)! - before.get(pid)! : 0);
  return { total: [...after.keys()].reduce((sum, pid) => sum + used(pid), 0), of: of.map(used) };
}
