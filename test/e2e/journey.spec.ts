import { expect, test } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { closePair, connectPair, openPair, safetyCode, sendMessage, startSession, type Pair } from './fixtures.ts';

let pair: Pair;
test.beforeEach(async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
});
test.afterEach(async () => closePair(pair));

test('rep and customer pair with a typed code, chat both ways, end, export and reload', async () => {
  const { rep, customer } = pair;
  await connectPair(pair, 'Ada Lovelace');

  // Same safety code on both sides.
  const repCode = await safetyCode(rep);
  expect(repCode.length).toBeGreaterThan(4);
  expect(await safetyCode(customer)).toBe(repCode);
  // The code authenticated the session: no "not verified" (that is for desk chats, which have no code).
  for (const page of [rep, customer]) await expect(page.getByTestId('desk-verification')).toHaveCount(0);

  // The running log tells what happened.
  const repLog = rep.getByRole('log');
  await expect(repLog).toContainText('Connection secured');
  await expect(repLog).toContainText('Safety code shown');
  await expect(repLog).toContainText('Ada Lovelace joined the session');

  // Chat both ways with unicode and emoji intact.
  const fromRep = 'Bonjour ! Can you see my message? 👋🏽 ñ 日本語';
  await sendMessage(rep, fromRep);
  await expect(customer.getByRole('log')).toContainText(fromRep);
  await expect(rep.getByRole('log').getByText('Delivered')).toHaveCount(1);

  const fromCustomer = 'Yes 🎉 — «ça marche» 🙂';
  await sendMessage(customer, fromCustomer);
  await expect(rep.getByRole('log')).toContainText(fromCustomer);
  await expect(customer.getByRole('log').getByText('Delivered')).toHaveCount(1);

  // Shift+Enter makes a new line, Enter sends.
  const box = customer.getByLabel('Message', { exact: true });
  await box.click();
  await box.pressSequentially('line one');
  await box.press('Shift+Enter');
  await box.pressSequentially('line two');
  await expect(box).toHaveValue('line one\nline two');
  await box.press('Enter');
  await expect(box).toHaveValue('');
  await expect(rep.getByRole('log')).toContainText('line one\nline two');

  // Notes are saved as typed and go into the export.
  await rep.getByLabel('Session notes').fill('Printer driver reinstalled.');

  // Export (Markdown) contains the messages, the header and the notes.
  const downloadPromise = rep.waitForEvent('download');
  await rep.getByRole('button', { name: 'Export transcript' }).click();
  const download = await downloadPromise;
  const markdown = await readFile((await download.path())!, 'utf8');
  expect(markdown).toContain('Parley session report');
  expect(markdown).toContain('Ada Lovelace');
  expect(markdown).toContain('👋🏽');
  expect(markdown).toContain('🎉');
  expect(markdown).toContain('Printer driver reinstalled');
  expect(markdown).toMatch(/Customer browser and OS:\*\* Chrom/);

  // JSON export too.
  await rep.getByLabel('Format').selectOption('json');
  const jsonDownload = rep.waitForEvent('download');
  await rep.getByRole('button', { name: 'Export transcript' }).click();
  const json = JSON.parse(await readFile((await (await jsonDownload).path())!, 'utf8'));
  const texts = json.events.filter((e: { kind: string }) => e.kind === 'chat').map((e: { text: string }) => e.text);
  expect(texts).toEqual([fromRep, fromCustomer, 'line one\nline two']);
  expect(json.events.find((e: { text: string }) => e.text === fromRep).delivered).toBe(true);
  expect(json.notes).toBe('Printer driver reinstalled.');

  // End: both sides see it.
  // Ending asks first; cancelling keeps the session.
  await rep.getByRole('button', { name: 'End session' }).click();
  await rep.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(rep.getByTestId('connection-status')).toContainText('Connected');
  await rep.getByRole('button', { name: 'End session' }).click();
  await rep.getByRole('button', { name: 'Yes, end it' }).click();
  await expect(rep.getByTestId('connection-status')).toContainText('Session ended');
  await expect(customer.getByTestId('connection-status')).toContainText('Session ended');
  await expect(customer.getByText('The session has ended')).toBeVisible();

  // Reload keeps the transcript and the notes.
  await rep.reload();
  await expect(rep.getByRole('log')).toContainText(fromCustomer);
  await expect(rep.getByRole('log')).toContainText(fromRep);
  await expect(rep.getByLabel('Session notes')).toHaveValue('Printer driver reinstalled.');
});

test('a customer joins with the link, without typing', async () => {
  const { rep, customer } = pair;
  const { link } = await startSession(rep);
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#\d{3}-\d{6}$/);
  await customer.goto(link);
  await expect(customer.getByTestId('connection-status')).toContainText('Connected');
  await expect(rep.getByTestId('connection-status')).toContainText('Connected');
  // The code is removed from the address bar once used.
  expect(new URL(customer.url()).hash).toBe('');
  await expect(rep.getByRole('img', { name: 'QR code of the join link' })).toHaveCount(0); // code panel gone once connected
});

test('the code is accepted without separators and with spaces', async () => {
  const { rep, customer } = pair;
  const { code } = await startSession(rep);
  const digits = code.replace(/\D/g, '');
  await customer.goto('/');
  await customer.getByLabel('Session code').fill(` ${digits.slice(0, 3)} ${digits.slice(3, 6)}  ${digits.slice(6)} `);
  await customer.getByRole('button', { name: 'Join' }).click();
  await expect(customer.getByTestId('connection-status')).toContainText('Connected');
});

test('the rep sees the QR code and can copy the link', async () => {
  const { rep } = pair;
  const { link } = await startSession(rep);
  await expect(rep.getByRole('img', { name: 'QR code of the join link' })).toBeVisible();
  await rep.getByRole('button', { name: 'Copy link' }).click();
  await expect(rep.getByText('Link copied')).toBeVisible();
  expect(await rep.evaluate(() => navigator.clipboard.readText())).toBe(link);
});
