/**
 * A malicious signaling relay (test/e2e/hostile-relay.ts) that replays old sealed payloads,
 * swaps the two PAKE messages, injects forged signals, or drops the key confirmations: both
 * sides stop with a visible security error, and neither ever shows "Connected" or a safety code.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { closePair, joinByTyping, openPair, startSession, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

/** Records, from the first paint on, whether the page ever showed "Connected" or a safety code. */
async function watchForConnected(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __everConnected: boolean };
    w.__everConnected = false;
    const check = () => {
      const status = document.querySelector('[data-testid="connection-status"]')?.textContent ?? '';
      if (status.includes('Connected') || document.querySelector('[data-testid="safety-code"]')) w.__everConnected = true;
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

async function everConnected(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __everConnected: boolean }).__everConnected);
}

/** The rep's and the customer's failure texts for a security error (translated catalogue, English). */
const REP_SECURITY = /Security warning|Security error/;
// The customer cannot tell a wrong code from an attack on the key exchange: both read "didn't work".
const CUSTOMER_SECURITY = /Security error|didn’t work/;

async function attackedSession(port: number, browser: Browser): Promise<void> {
  pair = await openPair(browser, `http://127.0.0.1:${port}`);
  await watchForConnected(pair.rep);
  await watchForConnected(pair.customer);
  const { code } = await startSession(pair.rep);
  await joinByTyping(pair.customer, code);
}

async function expectBothStopped(options: { repText?: RegExp; customerText?: RegExp; timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? 15_000;
  await expect(pair.rep.getByRole('alert').first()).toContainText(options.repText ?? REP_SECURITY, { timeout });
  await expect(pair.rep.getByTestId('connection-status')).toContainText('failed');
  await expect(pair.customer.getByRole('alert').first()).toContainText(options.customerText ?? CUSTOMER_SECURITY, { timeout });
  for (const page of [pair.rep, pair.customer]) {
    expect(await everConnected(page)).toBe(false);
    await expect(page.getByTestId('safety-code')).toHaveCount(0);
  }
}

test('a relay replaying an old sealed signal: both sides stop with a security error', async ({ browser }) => {
  await attackedSession(SERVERS.replay, browser);
  // The side that gets the replay sees it as replayed; the other is told through the burned room.
  await expectBothStopped({ repText: /Security error|Security warning/, customerText: /Security error/ });
  const texts = [await pair.rep.getByRole('alert').first().textContent(), await pair.customer.getByRole('alert').first().textContent()].join(' ');
  expect(texts).toContain('replayed or reordered');
});

test('a relay swapping the PAKE messages (each side gets its own back): both stop, the rep is warned', async ({ browser }) => {
  await attackedSession(SERVERS.swapPake, browser);
  await expectBothStopped({ repText: /Security warning/ });
  // The code check never passed.
  await expect(pair.rep.getByRole('log')).not.toContainText('Code confirmed on both sides');
});

test('a relay injecting a forged sealed signal: both sides stop with a security error', async ({ browser }) => {
  await attackedSession(SERVERS.inject, browser);
  await expectBothStopped({ repText: /Security error: a message was altered on the way/, customerText: /Security error: a message was altered on the way/ });
});

test('a relay dropping the key confirmations: both sides time out with a security warning, not a hang', async ({ browser }) => {
  await attackedSession(SERVERS.dropConfirm, browser);
  await expect(pair.rep.getByTestId('connection-status')).toContainText('Securing the connection');
  // The key agreement times out after 20 s; a withheld confirmation counts as a failed one.
  await expectBothStopped({ repText: /Security warning/, timeout: 30_000 });
  await expect(pair.customer.getByRole('button', { name: 'Join' })).toBeVisible();
});
