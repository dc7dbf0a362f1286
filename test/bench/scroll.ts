/**
 * Rep console frame time while scrolling a long log: a past session with `count` messages
 * (seeded into IndexedDB) opened from the history, then the log scrolled programmatically
 * from the bottom up, a fixed distance per frame, like a fast wheel or a held arrow key.
 * Every requestAnimationFrame delta is a frame time; a frame is dropped for every 16.7 ms
 * vsync interval beyond the first that a delta spans. Also: the click on the history entry →
 * the log showing its newest message.
 */
import type { Browser } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { seedTranscript } from './seed.ts';

export interface ScrollBench {
  count: number;
  openMs: number[];
  /** Per run: p95 and max frame time (ms), dropped frames, and frames measured. */
  p95: number[];
  max: number[];
  dropped: number[];
  frames: number[];
}

const FRAME_MS = 1000 / 60;

/** `profileDir`: also write a CPU profile of the last run's scrolling there (scroll.cpuprofile). */
export async function scrollBench(browser: Browser, base: string, count: number, runs: number, frames = 300, stepPx = 300, profileDir?: string): Promise<ScrollBench> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript('window.__name = (f) => f');
  // Each run opens the session afresh: no tab reopened from the last run (removed before the
  // console reads it: a console effect may save its tabs again at any moment before a reload).
  await ctx.addInitScript(() => sessionStorage.removeItem('parley.console.tabs'));
  const rep = await ctx.newPage();
  const result: ScrollBench = { count, openMs: [], p95: [], max: [], dropped: [], frames: [] };
  try {
    await rep.goto(`${base}/rep`);
    await rep.getByRole('button', { name: 'Start session' }).first().waitFor();
    await seedTranscript(rep, { sessionId: 'scroll-bench', count, firstSeq: 0, record: { peerName: 'Scroll Bench', startedAt: Date.now() - 86_400_000 } });
    // A newer short session: the console shows the newest on load, the long one opens on a click.
    await seedTranscript(rep, { sessionId: 'scroll-bench-other', count: 5, firstSeq: 0, record: { peerName: 'Other', startedAt: Date.now() - 60_000 } });
    for (let run = 0; run < runs; run++) {
      await rep.reload();
      await rep.getByRole('button', { name: /^Open the transcript of Scroll Bench/ }).waitFor();
      await rep.waitForTimeout(300);
      const openMs = await rep.evaluate(async () => {
        const button = [...document.querySelectorAll('button')].find((b) => b.getAttribute('aria-label')?.startsWith('Open the transcript of Scroll Bench'));
        if (!button) throw new Error('no Open button: ' + [...document.querySelectorAll('button')].map((b) => b.getAttribute('aria-label') ?? b.textContent).join(' | '));
        const t0 = performance.now();
        button.click();
        const frame = () => new Promise((r) => requestAnimationFrame(r));
        for (;;) {
          const log = document.querySelector('[role="tabpanel"]:not([hidden]) [role="log"]');
          if (log && log.querySelectorAll('li').length > 10 && log.scrollHeight > log.clientHeight) break;
          await frame();
        }
        await frame(); // the frame that shows it
        return performance.now() - t0;
      });
      result.openMs.push(openMs);
      await rep.waitForTimeout(1000); // settle: the log scrolled to its end, layout done
      const cdp = profileDir && run === runs - 1 ? await ctx.newCDPSession(rep) : null;
      if (cdp) (await cdp.send('Profiler.enable'), await cdp.send('Profiler.start'));
      const deltas = await rep.evaluate(
        ({ frames, stepPx }) =>
          new Promise<number[]>((resolve) => {
            const log = document.querySelector<HTMLElement>('[role="tabpanel"]:not([hidden]) [role="log"]')!;
            log.scrollTop = log.scrollHeight;
            const out: number[] = [];
            let last = 0;
            const tick = (now: number) => {
              if (last) out.push(now - last);
              last = now;
              if (out.length >= frames) return resolve(out);
              log.scrollTop -= stepPx;
              requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
          }),
        { frames, stepPx },
      );
      if (cdp) await writeFile(`${profileDir}/scroll.cpuprofile`, JSON.stringify((await cdp.send('Profiler.stop')).profile));
      const sorted = [...deltas].sort((a, b) => a - b);
      result.p95.push(sorted[Math.ceil(0.95 * sorted.length) - 1]!);
      result.max.push(sorted.at(-1)!);
      result.dropped.push(deltas.reduce((sum, d) => sum + Math.max(0, Math.round(d / FRAME_MS) - 1), 0));
      result.frames.push(deltas.length);
    }
  } finally {
    await ctx.close();
  }
  return result;
}
