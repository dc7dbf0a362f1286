/** File-transfer helpers shared by the e2e specs (files, network faults). */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, type Locator, type Page } from '@playwright/test';

export const MB = 1024 * 1024;
export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export interface Payload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

export function payload(name: string, size: number, mimeType = 'application/pdf'): Payload {
  return { name, mimeType, buffer: randomBytes(size) };
}

export function attach(page: Page, files: Payload[]): Promise<void> {
  return page.getByLabel('Attach files').setInputFiles(files);
}

export function send(page: Page): Promise<void> {
  return page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** Clicks the received file's link and returns the SHA-256 of what the browser saved. */
export async function downloadHash(page: Page, name: string): Promise<string> {
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name, exact: true }).click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe(name);
  return sha256(await readFile((await saved.path())!));
}

/** The fraction a file's progress bar shows (0–1). */
export function progressOf(page: Page, name: string): Locator {
  return page.getByRole('progressbar', { name: `Progress of ${name}` });
}

export async function waitForProgress(page: Page, name: string, atLeast: number): Promise<void> {
  const fraction = () => progressOf(page, name).evaluate((bar) => (bar as HTMLProgressElement).value, undefined, { timeout: 1000 }).catch(() => 0);
  await expect.poll(fraction, { timeout: 30_000 }).toBeGreaterThan(atLeast);
}

/**
 * Lets a test hold a transfer mid-way, whatever the machine's speed: in this page, file chunks
 * (messages of the `parley-bulk` data channel) after the first `holdAfter` are kept back until
 * `release`, so the receiver's progress stops there while everything else (clicks, control
 * messages, the chat) goes on. Call before the page loads.
 */
export async function controlBulk(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const held: (() => void)[] = [];
    const bulk = { holdAfter: Infinity, delivered: 0, release: () => held.splice(0).forEach((deliver) => deliver()) };
    Object.assign(window, { __bulk: bulk });
    const add = RTCDataChannel.prototype.addEventListener;
    RTCDataChannel.prototype.addEventListener = function (this: RTCDataChannel, type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions) {
      if (type !== 'message' || this.label !== 'parley-bulk' || typeof listener !== 'function') return add.call(this, type, listener, options);
      const deliver = (event: Event) => listener.call(this, event);
      return add.call(this, type, (event: Event) => {
        if (bulk.delivered >= bulk.holdAfter) return void held.push(() => deliver(event));
        bulk.delivered += 1;
        deliver(event);
      }, options);
    } as typeof RTCDataChannel.prototype.addEventListener;
  });
}

/** From now on, chunks after the first `frames` this page receives are held (see controlBulk). */
export function holdChunksAfter(page: Page, frames: number): Promise<void> {
  return page.evaluate((frames) => {
    const bulk = (window as unknown as { __bulk: { holdAfter: number; delivered: number } }).__bulk;
    bulk.delivered = 0;
    bulk.holdAfter = frames;
  }, frames);
}

/**
 * Lets the held chunks through (a cut connection's: they go nowhere useful) and holds again after
 * the next `frames` this page receives, counted from now: a transfer as fast as the machine
 * allows can then never run past the next cut.
 */
export function releaseAndHoldAfter(page: Page, frames: number): Promise<void> {
  return page.evaluate((frames) => {
    const bulk = (window as unknown as { __bulk: { holdAfter: number; delivered: number; release: () => void } }).__bulk;
    bulk.delivered = 0;
    bulk.holdAfter = frames;
    bulk.release();
  }, frames);
}

/** Lets held chunks through, and all later ones. */
export function releaseChunks(page: Page): Promise<void> {
  return page.evaluate(() => {
    const bulk = (window as unknown as { __bulk: { holdAfter: number; release: () => void } }).__bulk;
    bulk.holdAfter = Infinity;
    bulk.release();
  });
}

/**
 * Waits until no chunk has reached this page for a second: what a cancelled transfer still had
 * in flight or in the sender's buffer (up to ~512 kB queued) keeps arriving after the cancel,
 * and would count against the next holdChunksAfter.
 */
export async function chunksSettled(page: Page): Promise<void> {
  let last = await chunksDelivered(page);
  for (let quiet = 0; quiet < 4; ) {
    await page.waitForTimeout(250);
    const now = await chunksDelivered(page);
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
}

/** How many chunks this page has taken in since the last holdChunksAfter (see controlBulk). */
export function chunksDelivered(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __bulk: { delivered: number } }).__bulk.delivered);
}
