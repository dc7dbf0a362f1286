/**
 * The embeddable "Chat with support" button (/embed.js) on an organisation's own site (another
 * origin): it opens the portal in a popup with the queue preselected, and the signed customer
 * token travels in the fragment only: no request to any server carries it.
 */
import { expect, test } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';

const deskURL = `http://127.0.0.1:${SERVERS.desk}`;
const TOKEN = 'v1.eyJuYW1lIjoiQWRhIn0.c2lnbmF0dXJl';
// The shop: another origin (localhost, not 127.0.0.1), answered by the test itself. Chromium asks
// the user before a page loads from a loopback address of another origin ("local network
// access"; refused outright to a public origin over plain HTTP): here, granted.
const SHOP = `http://localhost:${SERVERS.desk}/shop.html`;
test.use({ permissions: ['local-network-access'] });

test('the button opens the portal in a popup, with the queue and the token kept out of every request', async ({ context, page }) => {
  const requested: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  await context.route(SHOP, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><title>Example shop</title><h1>Example shop</h1>
        <p>Questions about your bill?</p>
        <script src="${deskURL}/embed.js" data-queue="billing" data-label="Chat with support" data-customer="${TOKEN}" async></script>`,
    }),
  );
  await page.goto(SHOP);
  const button = page.getByRole('button', { name: 'Chat with support' });
  await expect(button).toBeVisible();
  await page.screenshot({ path: '/tmp/portal-shots/en-embed-button.png' });

  const [popup] = await Promise.all([page.waitForEvent('popup'), button.click()]);
  await popup.waitForLoadState();
  await expect(popup.getByRole('heading', { name: 'Chat with support' })).toBeVisible();
  await expect(popup.getByLabel('Topic')).toHaveValue('billing');
  // The portal took the token out of its address bar (it keeps it for this tab only).
  expect(new URL(popup.url()).hash).toBe('');
  expect(await popup.evaluate(() => sessionStorage.getItem('parley.support.signed'))).toBe(TOKEN);
  expect(requested.filter((url) => url.includes(TOKEN) || url.includes('signed'))).toEqual([]);
  expect(requested.some((url) => url.startsWith(`${deskURL}/support?queue=billing`))).toBe(true);
});

test('where popups cannot open, the button is a link to the portal in a new tab', async ({ page }) => {
  await page.route(SHOP, (route) =>
    route.fulfill({ contentType: 'text/html', body: `<!doctype html><title>Shop</title><div id="help"></div><script src="${deskURL}/embed.js" data-queue="general" data-target="help" data-lang="fr" data-label="Aide"></script>` }),
  );
  await page.goto(SHOP);
  const button = page.locator('#help').getByRole('button', { name: 'Aide' });
  await expect(button).toHaveAttribute('href', `${deskURL}/support?queue=general&lang=fr`);
  await expect(button).toHaveAttribute('target', '_blank');
});
