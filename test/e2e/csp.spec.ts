import { expect, test, type Page } from '@playwright/test';
import { attach, send } from './file-fixtures.ts';
import { closePair, expectConnected, joinByTyping, openPair, sendMessage, startSession, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

/** A real 1×1 PNG, so the picture preview (a blob: URL under `img-src`) is actually decoded. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/**
 * Collects every CSP violation the page reports (the event, and the console line Chromium writes,
 * which also covers workers), and every Permissions-Policy violation (console only).
 */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const consoleLines: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Permissions policy/i.test(message.text())) consoleLines.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  return async () => [...consoleLines, ...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp))];
}

test('the client works under the server’s CSP and Permissions-Policy: no violation in a session with chat, a picture, the copy button, screen sharing and an export', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  const violations = [await watchCsp(rep), await watchCsp(customer)];
  const { code } = await startSession(rep);
  await rep.getByRole('button', { name: 'Copy link' }).click(); // the clipboard
  await joinByTyping(customer, code);
  await expectConnected(rep, customer);
  const page = await rep.request.get('/rep');
  expect(page.headers()['content-security-policy']).toContain("script-src 'self'");
  expect(page.headers()['permissions-policy']).toContain('display-capture=(self)');
  expect(page.headers()['cross-origin-opener-policy']).toBe('same-origin');

  await sendMessage(rep, '[b]Hello[/b] [color=red]there[/color], see [url=https://example.com/help]the help page[/url]');
  await expect(customer.getByRole('log')).toContainText('Hello there, see the help page');

  // A picture: preview (blob: image), content hash in Web Crypto, sealed transfer.
  await attach(customer, [{ name: 'screenshot.png', mimeType: 'image/png', buffer: PNG }]);
  await send(customer);
  await rep.getByRole('button', { name: 'Accept screenshot.png', exact: true }).click();
  await expect(customer.getByText('Delivered — Support checked that it arrived intact')).toBeVisible();

  // Screen sharing: getDisplayMedia under `display-capture=(self)`, the video on the rep's side.
  await rep.getByRole('button', { name: 'Request screen' }).click();
  await customer.getByRole('button', { name: 'Share screen' }).click();
  const video = rep.getByRole('region', { name: 'Customer screen' }).locator('video');
  await expect.poll(() => video.evaluate((el: HTMLVideoElement) => el.videoWidth > 0 && !el.paused), { timeout: 15_000 }).toBe(true);
  await customer.getByRole('button', { name: 'Stop sharing' }).click();

  // The printable report, made in the page and saved as a download.
  await rep.getByLabel('Format').selectOption('html');
  const exported = rep.waitForEvent('download');
  await rep.getByRole('button', { name: 'Export transcript' }).click();
  await exported;

  for (const read of violations) expect(await read()).toEqual([]);
});
