/**
 * Storage faults on the rep's side, produced for real: a second page of the same origin opens
 * the rep's IndexedDB at a newer version (as a newer Parley would) and keeps its migration
 * running. The rep's tab gets `versionchange`, closes its connection and can't reopen until the
 * migration ends. The session must go on, say so, export everything, and catch up afterwards.
 *
 * (Chromium's CDP `Storage.overrideQuotaForOrigin` was tried first for a real "disk full": on
 * this Chromium it changes nothing, in an ordinary or a persistent context. The quota path is
 * covered by the store's unit tests, with QuotaExceededError injected into fake-indexeddb.)
 */
import { expect, test, type Download, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { closePair, connectPair, openPair, sendMessage, type Pair } from './fixtures.ts';

let pair: Pair;
test.beforeEach(async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
});
test.afterEach(async () => closePair(pair));

async function textOf(download: Download): Promise<string> {
  return readFile((await download.path())!, 'utf8');
}

/** Opens the rep's database at version 2 from `page` and keeps the upgrade busy until `release`. */
async function startMigration(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __migrating: boolean; __migrated: Promise<number> };
    w.__migrating = true;
    w.__migrated = new Promise((resolve, reject) => {
      const req = indexedDB.open('parley-rep', 2);
      req.onupgradeneeded = () => {
        const sessions = req.transaction!.objectStore('sessions');
        const spin = () => {
          if (w.__migrating) sessions.count().onsuccess = spin;
        };
        spin();
      };
      req.onsuccess = () => {
        const version = req.result.version;
        req.result.close();
        resolve(version);
      };
      req.onerror = () => reject(req.error);
    });
  });
}

async function finishMigration(page: Page): Promise<number> {
  return page.evaluate(() => {
    const w = window as unknown as { __migrating: boolean; __migrated: Promise<number> };
    w.__migrating = false;
    return w.__migrated;
  });
}

/** The chat texts stored in the rep's IndexedDB, oldest first, across all sessions. */
function storedChats(rep: Page): Promise<string[]> {
  return rep.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('parley-rep');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('events').objectStore('events').getAll();
          req.onsuccess = () => {
            open.result.close();
            resolve((req.result as Array<{ kind: string; text?: string }>).filter((e) => e.kind === 'chat').map((e) => e.text!));
          };
          req.onerror = () => reject(req.error);
        };
      }),
  );
}

test('the rep\'s storage taken by another tab: warning, chat goes on, export has everything, then it all lands once', async () => {
  const { rep, customer } = pair;
  await connectPair(pair);
  await sendMessage(rep, 'Rep before the fault');
  await sendMessage(customer, 'Customer before the fault');
  await expect(rep.getByRole('log')).toContainText('Customer before the fault');
  await expect.poll(() => storedChats(rep)).toEqual(['Rep before the fault', 'Customer before the fault']);

  // Another page of the rep's origin (not the app: a bare page) upgrades the database.
  const other = await pair.repContext.newPage();
  await other.goto('/healthz');
  await startMigration(other);

  const warning = rep.getByRole('alert').filter({ hasText: 'A newer Parley is updating storage in another tab' });
  await expect(warning).toBeVisible();
  await expect(warning).toContainText('kept in this tab only');

  // The session goes on both ways.
  await sendMessage(rep, 'Rep during the fault');
  await sendMessage(customer, 'Customer during the fault');
  await expect(customer.getByRole('log')).toContainText('Rep during the fault');
  await expect(rep.getByRole('log')).toContainText('Customer during the fault');
  // Held in memory (the database can't even be read while the other tab migrates it).
  await expect(warning).toContainText(/Entries not saved yet: \d+/);
  await expect(rep.getByTestId('connection-status')).toContainText('Connected');

  // The export, from the warning itself, has what was written before and what is only in memory.
  const downloading = rep.waitForEvent('download');
  await warning.getByRole('button', { name: 'Export transcript now' }).click();
  const exported = await textOf(await downloading);
  for (const text of ['Rep before the fault', 'Customer before the fault', 'Rep during the fault', 'Customer during the fault']) {
    expect(exported).toContain(text);
  }

  // The other tab finishes; the rep's tab reopens the (now newer) database and writes what it held.
  expect(await finishMigration(other)).toBe(2);
  await expect(rep.getByRole('status').filter({ hasText: 'Storage works again' })).toBeVisible();
  await expect(warning).toHaveCount(0);
  expect(await storedChats(rep)).toEqual(['Rep before the fault', 'Customer before the fault', 'Rep during the fault', 'Customer during the fault']);

  // And after: ordinary writes again.
  await sendMessage(customer, 'Customer after the fault');
  await expect(rep.getByRole('log')).toContainText('Customer after the fault');
  await expect.poll(() => storedChats(rep)).toContain('Customer after the fault');

  // A reload shows the whole log from disk, each message once.
  await other.close();
  await rep.reload();
  const log = rep.getByRole('log');
  await expect(log).toContainText('Customer after the fault');
  for (const text of ['Rep before the fault', 'Rep during the fault', 'Customer during the fault']) {
    await expect(log.getByText(text, { exact: true })).toHaveCount(1);
  }
});

/**
 * The customer's copy with a full disk. A real QuotaExceededError can't be produced here (see
 * above), so an init script makes the page's own IndexedDB writes (`add`/`put`) throw one while
 * `window.__diskFull` is set: the fallback the issue allows when the real quota can't be lowered.
 */
test('the customer\'s disk full: warning, chat goes on, the transcript download has everything, then it lands once', async () => {
  const { rep, customer } = pair;
  await customer.addInitScript(() => {
    const w = window as unknown as { __diskFull: boolean };
    w.__diskFull = false;
    for (const key of ['add', 'put'] as const) {
      const original = IDBObjectStore.prototype[key];
      IDBObjectStore.prototype[key] = function (this: IDBObjectStore, ...args: Parameters<typeof original>) {
        if (w.__diskFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return original.apply(this, args);
      };
    }
  });
  await connectPair(pair);
  await sendMessage(rep, 'Rep before the disk filled');
  await expect(customer.getByRole('log')).toContainText('Rep before the disk filled');

  await customer.evaluate(() => ((window as unknown as { __diskFull: boolean }).__diskFull = true));
  await sendMessage(customer, 'Customer with a full disk');
  await sendMessage(rep, 'Rep while the customer disk is full');
  const warning = customer.getByRole('alert').filter({ hasText: 'Storage is full' });
  await expect(warning).toContainText('the transcript is kept in this tab only until you free space');
  await expect(customer.getByRole('log')).toContainText('Rep while the customer disk is full');
  await expect(rep.getByRole('log')).toContainText('Customer with a full disk');

  const downloading = customer.waitForEvent('download');
  await warning.getByRole('button', { name: 'Export transcript now' }).click();
  const exported = await textOf(await downloading);
  for (const text of ['Rep before the disk filled', 'Customer with a full disk', 'Rep while the customer disk is full']) expect(exported).toContain(text);

  // Space is back: the next write takes everything held with it, in order.
  await customer.evaluate(() => ((window as unknown as { __diskFull: boolean }).__diskFull = false));
  await sendMessage(customer, 'Customer after the disk was freed');
  await expect(customer.getByRole('status').filter({ hasText: 'Storage works again' })).toBeVisible();
  await expect(warning).toHaveCount(0);
  const stored = await customer.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('parley-customer');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('events').objectStore('events').getAll();
          req.onsuccess = () => resolve((req.result as Array<{ kind: string; text?: string }>).filter((e) => e.kind === 'chat').map((e) => e.text!));
          req.onerror = () => reject(req.error);
        };
      }),
  );
  expect(stored).toEqual(['Rep before the disk filled', 'Customer with a full disk', 'Rep while the customer disk is full', 'Customer after the disk was freed']);
});
