import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { closePair, connectPair, openPair, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

const MB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function payload(name: string, size: number, mimeType = 'application/pdf') {
  return { name, mimeType, buffer: randomBytes(size) };
}

/** Attaches files with the paperclip and sends them (with the text in the box, if any). */
async function sendFiles(page: Page, files: ReturnType<typeof payload>[], text = ''): Promise<void> {
  await page.getByLabel('Attach files').setInputFiles(files);
  if (text) await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** Clicks the received file's link and returns the SHA-256 of what the browser saved. */
async function downloadHash(page: Page, name: string): Promise<string> {
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name, exact: true }).click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe(name);
  return sha256(await readFile((await saved.path())!));
}

test('a 3 MB binary file goes each way and arrives with the same SHA-256', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const { rep, customer } = pair;

  const toCustomer = payload('manual.pdf', 3 * MB);
  await sendFiles(rep, [toCustomer]);
  await expect(rep.getByText('Waiting for Ada to accept')).toBeVisible();
  await customer.getByRole('button', { name: 'Accept manual.pdf', exact: true }).click();
  await expect(rep.getByText('Delivered — Ada checked that it arrived intact')).toBeVisible();
  await expect(customer.getByText('Received — checked intact (SHA-256)')).toBeVisible();
  expect(await downloadHash(customer, 'manual.pdf')).toBe(sha256(toCustomer.buffer));

  const toRep = payload('crash-dump.pdf', 3 * MB);
  await sendFiles(customer, [toRep]);
  await rep.getByRole('button', { name: 'Accept crash-dump.pdf', exact: true }).click();
  await expect(customer.getByText('Delivered — Support checked that it arrived intact')).toBeVisible();
  expect(await downloadHash(rep, 'crash-dump.pdf')).toBe(sha256(toRep.buffer));
});
