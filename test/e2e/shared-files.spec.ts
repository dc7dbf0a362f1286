/**
 * Files between reps in a shared session ("To: Reps only"): rep A (the host) and rep B (invited)
 * send each other a file over their own encrypted link; each accepts and downloads the other's,
 * byte for byte; both see the cards marked "Reps only" and keep them in their exports. The
 * customer's page, its decrypted transcript (IndexedDB) and every frame its browser sent or
 * received never hold the files' names or contents. A file type the policy refuses is named
 * with a clear error, and a colleague attaching with "To: Customer and reps" is told files from
 * its tab go to the reps only.
 */
import { expect, test, type Page } from '@playwright/test';
import { nodeContentHash } from '../content-hash-node.ts';
import { readFileSync } from 'node:fs';
import { acceptChat, chatLog, closeContexts, customer, customerTranscript, invite, repConsole, visiblePanel } from './shared-fixtures.ts';

test.describe.configure({ timeout: 180_000 });
test.afterEach(closeContexts);

/** Markers that must never reach the customer: in the names and in the bytes. */
const TO_B = { name: 'amy-REPFILE-a1.txt', mimeType: 'text/plain', buffer: Buffer.from('REPBYTES-a1: legacy plan, refund approved\n'.repeat(200)) };
const TO_A = { name: 'bo-REPFILE-b2.log', mimeType: 'text/plain', buffer: Buffer.from('REPBYTES-b2: printer firmware 4.2 log\n'.repeat(300)) };


async function attachAndSend(page: Page, file: { name: string; mimeType: string; buffer: Buffer }, text: string): Promise<void> {
  const panel = visiblePanel(page);
  await panel.getByLabel('Attach files').setInputFiles(file);
  await panel.getByLabel('Message', { exact: true }).fill(text);
  await panel.getByRole('button', { name: 'Send', exact: true }).click();
}

/** Accepts `name` in the page's log and downloads it once checked; resolves to its bytes. */
async function acceptAndDownload(page: Page, name: string): Promise<Buffer> {
  const log = chatLog(page);
  await log.getByRole('button', { name: `Accept ${name}` }).click();
  const link = log.getByRole('link', { name });
  await expect(link).toBeVisible();
  const download = page.waitForEvent('download');
  await link.click();
  return readFileSync((await (await download).path())!);
}

async function exportMarkdown(page: Page): Promise<string> {
  const download = page.waitForEvent('download');
  await visiblePanel(page).getByRole('button', { name: 'Export transcript' }).click();
  return readFileSync((await (await download).path())!, 'utf8');
}

test('A and B send each other files "Reps only": both download the right bytes, the customer never sees them', async ({ browser }) => {
  const a = await repConsole(browser, 'Amy');
  const b = await repConsole(browser, 'Bo');
  const ada = await customer(browser, 'Ada');
  await acceptChat(a, ada, 'Ada');
  await invite(a, 'Bo', 'en');
  await b.getByRole('group', { name: 'Amy invites you to help with a chat' }).getByRole('button', { name: 'Accept' }).click();
  await expect(b.getByRole('tab', { name: /Ada \(helping\)/ })).toBeVisible();
  const toA = visiblePanel(a).getByLabel('To', { exact: true });
  await expect(toA.locator('option[value="reps"]')).toBeEnabled();

  // A policy the reps' link keeps too: a refused type is named, nothing is offered.
  await toA.selectOption('reps');
  await visiblePanel(a).getByLabel('Attach files').setInputFiles({ name: 'holiday.mov', mimeType: 'video/quicktime', buffer: Buffer.alloc(2000) });
  await expect(visiblePanel(a).getByRole('alert').getByText('“holiday.mov” can’t be sent: files of type video/quicktime are not allowed.')).toBeVisible();
  await visiblePanel(a).getByRole('button', { name: 'Remove holiday.mov' }).click();

  // A → B, reps only.
  await attachAndSend(a, TO_B, 'REPNOTE-a1 the refund form');
  const cardAtB = chatLog(b).getByRole('region', { name: 'Files from Amy (Reps only)' });
  await expect(cardAtB).toBeVisible();
  expect(await acceptAndDownload(b, TO_B.name)).toEqual(TO_B.buffer);
  await expect(chatLog(a).getByRole('region', { name: 'Files you offered (Reps only)' })).toBeVisible();
  await expect(chatLog(b).getByRole('listitem').filter({ hasText: 'REPNOTE-a1 the refund form' }).getByText('Reps only')).toBeVisible();

  // A colleague's attachments go to the reps only: with "To: Customer and reps" it is told so.
  const toB = visiblePanel(b).getByLabel('To', { exact: true });
  await visiblePanel(b).getByLabel('Attach files').setInputFiles(TO_A);
  await visiblePanel(b).getByRole('button', { name: 'Send', exact: true }).click();
  await expect(visiblePanel(b).getByRole('alert')).toContainText('Files you send from here go to the reps only');
  await visiblePanel(b).getByRole('button', { name: `Remove ${TO_A.name}` }).click();

  // B → A, reps only.
  await toB.selectOption('reps');
  await attachAndSend(b, TO_A, 'REPNOTE-b2 firmware log');
  await expect(chatLog(a).getByRole('region', { name: 'Files from Bo (Reps only)' })).toBeVisible();
  expect(await acceptAndDownload(a, TO_A.name)).toEqual(TO_A.buffer);
  await a.screenshot({ path: '/tmp/shared-shots/en-host-rep-files.png' });
  await b.screenshot({ path: '/tmp/shared-shots/en-guest-rep-files.png' });

  // Both exports keep the file events, marked "Reps only", with the checked hashes.
  const exportA = await exportMarkdown(a);
  // (Markdown escapes the dashes and dots of the names.)
  expect(exportA.split('\n').find((l) => l.includes('Received “bo\\-REPFILE\\-b2\\.log” from Bo'))).toContain('🔒 Reps only');
  expect(exportA).toContain(nodeContentHash(TO_B.buffer));
  const exportB = await exportMarkdown(b);
  expect(exportB.split('\n').find((l) => l.includes('Received “amy\\-REPFILE\\-a1\\.txt” from Amy'))).toContain('🔒 Reps only');
  expect(exportB).toContain(nodeContentHash(TO_A.buffer));

  // The customer's side never held them: not on the page, not in IndexedDB, not in any frame.
  await ada.getByLabel('Message', { exact: true }).fill('still there?');
  await ada.getByLabel('Message', { exact: true }).press('Enter');
  await expect(chatLog(a).getByText('still there?')).toBeVisible();
  const page = await ada.locator('body').innerText();
  const transcript = await customerTranscript(ada);
  expect(transcript).toContain('still there?'); // the seam works: it holds what the customer wrote
  const frames = (await ada.evaluate(() => (window as unknown as { __frames: string[] }).__frames)).join('\n');
  expect(frames).toContain('dc<');
  for (const marker of ['REPFILE', 'REPBYTES', 'REPNOTE', nodeContentHash(TO_A.buffer), nodeContentHash(TO_B.buffer)]) {
    expect(page).not.toContain(marker);
    expect(transcript).not.toContain(marker);
    expect(frames).not.toContain(marker);
  }
});
