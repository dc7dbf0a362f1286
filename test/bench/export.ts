/**
 * Transcript export: a past session of `count` events (seeded straight into IndexedDB), opened
 * from the console's history as a rep would, then exported in each format with the Export
 * button. Timed in the page: the click → the download starting (the report file's link
 * clicked), which covers gathering the log, building the report and making its Blob.
 */
import type { Browser } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { seedTranscript } from './seed.ts';

export const EXPORT_FORMATS = [
  { value: 'md', label: 'Markdown' },
  { value: 'json', label: 'JSON' },
  { value: 'html', label: 'HTML' },
] as const;

export interface ExportBench {
  count: number;
  /** Per format: ms per run, and the file's size in MB. */
  ms: Record<string, number[]>;
  sizeMB: Record<string, number>;
}

/** `profileDir`: also write a CPU profile of each format's last export there (`export-<format>.cpuprofile`). */
export async function exportBench(browser: Browser, base: string, count: number, runs: number, profileDir?: string): Promise<ExportBench> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript('window.__name = (f) => f');
  const rep = await ctx.newPage();
  const close = () => ctx.close();
  const result: ExportBench = { count, ms: {}, sizeMB: {} };
  try {
    await rep.goto(`${base}/rep`);
    await rep.getByRole('button', { name: 'Start session' }).first().waitFor();
    await seedTranscript(rep, { sessionId: 'export-bench', count, firstSeq: 0, record: { peerName: 'Export Bench', startedAt: Date.now() - 2 * 86_400_000 } });
    await seedTranscript(rep, { sessionId: 'export-bench-other', count: 5, firstSeq: 0, record: { peerName: 'Other', startedAt: Date.now() - 60_000 } });
    await rep.reload();
    // The history's Open button: the past session in a tab of its own, with its Export.
    await rep.getByRole('button', { name: /^Open the transcript of Export Bench/ }).click();
    await rep.waitForFunction(() => (document.querySelector('[role="tabpanel"]:not([hidden]) [role="log"]')?.querySelectorAll('li').length ?? 0) > 10, undefined, { timeout: 120_000 });
    await rep.waitForTimeout(1_000);
    // The report's file link is clicked by download(); note when, and the file's size.
    await rep.evaluate(() => {
      const click = HTMLAnchorElement.prototype.click;
      const createObjectURL = URL.createObjectURL;
      URL.createObjectURL = (blob: Blob | MediaSource) => (((window as unknown as { lastBlobSize: number }).lastBlobSize = (blob as Blob).size), createObjectURL(blob));
      HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
        if (this.download) {
          const w = window as unknown as { downloadAt: number; onDownload?: () => void };
          w.downloadAt = performance.now();
          w.onDownload?.();
          return; // timed: the file itself is not needed
        }
        return click.call(this);
      };
    });
    for (const format of EXPORT_FORMATS) {
      await rep.getByRole('tabpanel').getByLabel('Format').selectOption(format.value);
      result.ms[format.label] = [];
      const cdp = profileDir ? await rep.context().newCDPSession(rep) : null;
      for (let run = 0; run < runs; run++) {
        if (cdp && run === runs - 1) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.start');
        }
        const ms = await rep.evaluate(async () => {
          const w = window as unknown as { downloadAt: number; onDownload?: () => void };
          const panel = document.querySelector('[role="tabpanel"]:not([hidden])')!;
          const button = [...panel.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Export transcript')!;
          const done = new Promise<void>((resolve) => (w.onDownload = resolve));
          const t0 = performance.now();
          button.click();
          await done;
          return w.downloadAt - t0;
        });
        result.ms[format.label]!.push(ms);
      }
      if (cdp) await writeFile(`${profileDir}/export-${format.value}.cpuprofile`, JSON.stringify((await cdp.send('Profiler.stop')).profile));
      result.sizeMB[format.label] = (await rep.evaluate(() => (window as unknown as { lastBlobSize: number }).lastBlobSize)) / 1024 / 1024;
    }
  } finally {
    await close();
  }
  return result;
}
