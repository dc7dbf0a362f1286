import { expect, test, type Download, type Page } from '@playwright/test';
import { nodeContentHash } from '../content-hash-node.ts';
import { readFile } from 'node:fs/promises';
import { closePair, expectConnected, openPair, safetyCode, sendMessage, startSession, type Pair } from './fixtures.ts';

let pair: Pair;
test.beforeEach(async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
});
test.afterEach(async () => closePair(pair));

const REQUEST = 'My printer says <b>offline</b> & won\'t print 🖨️\nSince Tuesday "after the update"';

async function joinWithRequest(customer: Page, code: string, name: string, request: string): Promise<void> {
  await customer.goto('/');
  await customer.getByLabel('Session code').fill(code);
  await customer.getByLabel('Your name (optional)').fill(name);
  await customer.getByLabel('What do you need help with? (optional)').fill(request);
  await customer.getByRole('button', { name: 'Join' }).click();
}

async function textOf(download: Download): Promise<string> {
  return readFile((await download.path())!, 'utf8');
}

/** Clicks `button` and returns the file the page downloads. */
async function downloadVia(page: Page, click: () => Promise<void>): Promise<Download> {
  const downloading = page.waitForEvent('download');
  await click();
  return downloading;
}

/** What this browser keeps in the customer's IndexedDB: sessions and events. */
function storedCounts(customer: Page): Promise<{ sessions: number; events: number }> {
  return customer.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('parley-customer');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('sessions')) {
            db.close();
            return resolve({ sessions: 0, events: 0 });
          }
          const tx = db.transaction(['sessions', 'events']);
          const sessions = tx.objectStore('sessions').count();
          const events = tx.objectStore('events').count();
          tx.oncomplete = () => {
            resolve({ sessions: sessions.result, events: events.result });
            db.close();
          };
        };
      }),
  );
}

/** Opens a report in a fresh page of `context`, failing on any dialog or console error it causes. */
async function openReport(pairSide: Page, html: string): Promise<Page> {
  const page = await pairSide.context().newPage();
  page.on('dialog', (dialog) => {
    throw new Error(`the report opened a dialog: ${dialog.message()}`);
  });
  await page.setContent(html, { waitUntil: 'load' });
  return page;
}

test('the rep exports an HTML report of the whole journey, the customer\'s request included', async ({ baseURL }) => {
  const { rep, customer } = pair;
  await rep.goto('/rep');
  await rep.getByLabel('Your name').fill('Sam from support');
  await rep.getByLabel('Your name').blur(); // saved on change, before startSession reloads the console
  const { code } = await startSession(rep);
  await joinWithRequest(customer, code, 'Ada Lovelace', REQUEST);
  await expectConnected(rep, customer);

  // The request reached the rep (end-to-end encrypted, in the hello) and shows as text.
  await expect(rep.getByTestId('customer-request')).toHaveText(REQUEST);
  // The emoji as logged ("Safety code shown: 🐶 🔑 …"); the panel shows them with their names.
  const shown = (await rep.getByRole('log').getByText(/^Safety code shown: /).textContent())!;
  const safety = shown.replace(/^Safety code shown: /, '').trim();
  expect(await safetyCode(rep)).toContain(safety.split(' ')[0]!);

  await sendMessage(rep, 'Hello Ada, [b]let us look[/b] 👋');
  await expect(customer.getByRole('log')).toContainText('let us look');
  await sendMessage(customer, 'Thanks! <script>alert(1)</script> 🙂');
  await expect(rep.getByRole('log')).toContainText('<script>alert(1)</script>');
  const pushed = `${baseURL}/healthz?from=report&x=<y>`;
  await rep.getByLabel('Message', { exact: true }).fill(pushed);
  await rep.getByRole('button', { name: 'Push URL' }).click();
  await expect(rep.getByRole('log')).toContainText('You sent a page to open');
  await expect(customer.getByRole('heading', { name: 'Your support rep wants to show you a page' })).toBeVisible();
  // The session's other tools: a nudge, a file, screen sharing started and stopped.
  await rep.getByRole('button', { name: 'Nudge' }).click();
  await expect(customer.getByRole('log')).toContainText('Sam from support nudged you.');
  const fileBytes = Buffer.from('printer log: paused – driver error\n');
  const fileHash = nodeContentHash(fileBytes);
  await customer.getByLabel('Attach files').setInputFiles([{ name: 'printer.log.txt', mimeType: 'text/plain', buffer: fileBytes }]);
  await customer.getByRole('button', { name: 'Send' }).click();
  await rep.getByRole('button', { name: 'Accept printer.log.txt', exact: true }).click();
  await expect(rep.getByRole('log')).toContainText('Received — checked intact (content hash)');
  await rep.getByRole('button', { name: 'Request screen' }).click();
  await customer.getByRole('button', { name: 'Share screen' }).click();
  await expect(rep.getByRole('log')).toContainText('Ada Lovelace started sharing their screen.');
  await customer.getByRole('button', { name: 'Stop sharing' }).click();
  await expect(rep.getByRole('log')).toContainText('Ada Lovelace stopped sharing their screen.');
  await rep.getByLabel('Session notes').fill('Driver reinstalled.');

  await rep.getByRole('button', { name: 'End session' }).click();
  await rep.getByRole('button', { name: 'Yes, end it' }).click();
  await expect(customer.getByTestId('connection-status')).toContainText('Session ended');

  await rep.getByLabel('Format').selectOption('html');
  const download = await downloadVia(rep, () => rep.getByRole('button', { name: 'Export transcript' }).click());
  expect(download.suggestedFilename()).toMatch(/^parley-session-\d{4}-\d{2}-\d{2}-\d{4}\.html$/);
  const html = await textOf(download);
  expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:">`);
  expect(html).not.toMatch(/<script|<img|<svg|<iframe|\son[a-z]+=/i);

  // Opened as a page, as a person would: every event of the journey is there, as text.
  const report = await openReport(rep, html);
  await expect(report.getByRole('heading', { level: 1 })).toHaveText('Parley session report');
  const details = report.locator('.details');
  await expect(details).toContainText('Sam from support');
  await expect(details).toContainText('Ada Lovelace');
  await expect(details).toContainText(/Chrom/); // browser and OS from the hello's user agent
  await expect(details).toContainText(/English/); // the customer's language
  await expect(details).toContainText(safety);
  await expect(details).toContainText('Ended by the rep');
  await expect(report.locator('.request')).toContainText(REQUEST.split('\n')[0]!);
  await expect(report.locator('.request')).toContainText('Since Tuesday');
  const log = report.locator('table.log');
  for (const line of [
    'Session started. Code created.',
    'Ada Lovelace joined the session.',
    'Connection secured: end-to-end encrypted.',
    `Safety code shown: ${safety}`,
    'Hello Ada, let us look 👋',
    'Thanks! <script>alert(1)</script> 🙂',
    `You sent a page to open: ${pushed}`,
    'You nudged Ada Lovelace.',
    `Ada Lovelace offered “printer.log.txt”`,
    'You accepted “printer.log.txt”.',
    `Received “printer.log.txt” from Ada Lovelace`,
    fileHash,
    'You asked Ada Lovelace to share their screen.',
    'Ada Lovelace started sharing their screen.',
    'Ada Lovelace stopped sharing their screen.',
    'Session ended.',
  ]) {
    await expect(log).toContainText(line);
  }
  await expect(log.locator('strong')).toHaveText('let us look'); // BBCode rendered as an element
  await expect(report.locator('.notes')).toContainText('Driver reinstalled.');
  // Nothing from the session became markup, and nothing can load or run.
  expect(await report.locator('script, img, svg, iframe, object, embed, form, link, base').count()).toBe(0);
  expect(await report.evaluate(() => [...document.querySelectorAll('*')].some((e) => [...e.attributes].some((a) => a.name.startsWith('on'))))).toBe(false);
  await report.close();
});

test('the customer downloads their own transcript, during and after the session, without the rep\'s notes', async () => {
  const { rep, customer } = pair;
  const { code } = await startSession(rep);
  await joinWithRequest(customer, code, 'Ada', 'Email not syncing');
  await expectConnected(rep, customer);
  await sendMessage(rep, 'Hi Ada, checking your mail settings.');
  await sendMessage(customer, 'Great, thank you 🙏');
  await expect(rep.getByRole('log')).toContainText('thank you');
  await rep.getByLabel('Session notes').fill('PRIVATE rep note');

  // During the session: Markdown.
  await customer.getByLabel('Transcript format').selectOption('md');
  const md = await textOf(await downloadVia(customer, () => customer.getByRole('button', { name: 'Download transcript' }).click()));
  expect(md).toContain('Parley session report');
  expect(md).toContain('checking your mail settings');
  expect(md).toContain('thank you 🙏');
  expect(md).toContain('Email not syncing');
  expect(md).not.toContain('PRIVATE');

  // After the rep ended it: the copy is kept, and downloads as a web page.
  await rep.getByRole('button', { name: 'End session' }).click();
  await rep.getByRole('button', { name: 'Yes, end it' }).click();
  await expect(customer.getByText('The session has ended')).toBeVisible();
  await customer.getByLabel('Transcript format').selectOption('html');
  const download = await downloadVia(customer, () => customer.getByRole('button', { name: 'Download transcript' }).click());
  expect(download.suggestedFilename()).toMatch(/\.html$/);
  const report = await openReport(customer, await textOf(download));
  await expect(report.getByText('Customer’s copy')).toBeVisible();
  await expect(report.locator('table.log')).toContainText('Hi Ada, checking your mail settings.');
  await expect(report.locator('table.log')).toContainText('Great, thank you 🙏');
  await expect(report.locator('table.log')).toContainText('ended the session');
  await expect(report.locator('.notes')).toHaveCount(0);
  expect(await report.content()).not.toContain('PRIVATE');
  await report.close();
  expect((await storedCounts(customer)).events).toBeGreaterThan(3); // the rep ending it keeps the customer's copy
});

test('leaving deletes the customer\'s copy from the browser, after offering to download it', async () => {
  const { rep, customer } = pair;
  const { code } = await startSession(rep);
  await joinWithRequest(customer, code, 'Ada', 'Please delete me after');
  await expectConnected(rep, customer);
  await sendMessage(customer, 'A message that must not stay on this computer');
  await expect(rep.getByRole('log')).toContainText('must not stay');
  await customer.evaluate(() => {
    sessionStorage.setItem('parley.draft', 'session data');
    localStorage.setItem('parley.pending', 'session data');
    localStorage.setItem('parley.locale', 'en');
  });
  expect((await storedCounts(customer)).events).toBeGreaterThan(3);

  await customer.getByRole('button', { name: 'Leave session' }).click();
  const confirm = customer.getByRole('group', { name: /Leave this session\?/ });
  await expect(confirm).toContainText('will be deleted from this browser');
  // The confirmation offers the download first, and it works.
  const md = await textOf(await downloadVia(customer, () => confirm.getByRole('button', { name: 'Download transcript' }).click()));
  expect(md).toContain('must not stay');
  await confirm.getByRole('button', { name: 'Yes, leave' }).click();

  await expect(customer.getByRole('status').filter({ hasText: 'You left' })).toHaveText(
    'You left the session. Your copy of the conversation was deleted from this browser.',
  );
  await expect(rep.getByRole('log')).toContainText('Ada left the session.');
  await expect(customer.getByRole('log')).toBeHidden();
  expect(await storedCounts(customer)).toEqual({ sessions: 0, events: 0 });

  // Still gone after a reload; preferences stay, session data does not.
  await customer.reload();
  await expect(customer.getByRole('heading', { name: 'Join a support session' })).toBeVisible();
  expect(await storedCounts(customer)).toEqual({ sessions: 0, events: 0 });
  expect(await customer.evaluate(() => [sessionStorage.getItem('parley.draft'), localStorage.getItem('parley.pending'), localStorage.getItem('parley.locale')])).toEqual([null, null, 'en']);
  await expect(customer.getByText('must not stay')).toHaveCount(0);
});
