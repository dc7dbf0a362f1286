import { expect, test } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { closePair, connectPair, joinByTyping, openPair, startSession, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

test('an expired code gets a clear error', async ({ browser }) => {
  pair = await openPair(browser, `http://127.0.0.1:${SERVERS.shortTtl}`);
  const { code } = await startSession(pair.rep);
  await pair.customer.waitForTimeout(3_500); // the short-TTL server expires codes after 2 s
  await joinByTyping(pair.customer, code);
  await expect(pair.customer.getByRole('alert')).toContainText('This code has expired');
  await expect(pair.rep.getByRole('alert')).toContainText('This code expired before anyone used it');
});

test('a third person is refused from a busy session', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { code } = await connectPair(pair);
  const intruderContext = await browser.newContext({ baseURL });
  const intruder = await intruderContext.newPage();
  await joinByTyping(intruder, code, 'Mallory');
  await expect(intruder.getByRole('alert')).toContainText('Someone is already in this session');
  // The real session is untouched.
  await expect(pair.rep.getByTestId('connection-status')).toContainText('Connected');
  await expect(pair.customer.getByTestId('connection-status')).toContainText('Connected');
  await intruderContext.close();
});

test('a server that cannot be reached gets a clear error and keeps the code typed', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  // Both ways to the server fail: the WebSocket is closed before it opens, long-polling is refused.
  await pair.customer.routeWebSocket(/\/socket\.io\//, (ws) => ws.close());
  await pair.customer.route('**/socket.io/**', (route) => route.abort('connectionrefused'));
  await pair.customer.goto('/');
  await pair.customer.getByLabel('Session code').fill('123-456789');
  await pair.customer.getByRole('button', { name: 'Join' }).click();
  await expect(pair.customer.getByRole('alert')).toContainText('The support server cannot be reached', { timeout: 30_000 });
  await expect(pair.customer.getByLabel('Session code')).toHaveValue('123-456789');
});

test('a malformed code and an unknown room are explained', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { customer } = pair;
  await customer.goto('/');
  await customer.getByLabel('Session code').fill('12-34');
  await customer.getByRole('button', { name: 'Join' }).click();
  await expect(customer.getByRole('alert')).toContainText('That doesn’t look like a session code');
  // The server never hands out nameplates with a leading zero: this room cannot exist.
  await customer.getByLabel('Session code').fill('012-345678');
  await customer.getByRole('button', { name: 'Join' }).click();
  await expect(customer.getByRole('alert')).toContainText('That code didn’t work');
});

test('a message over the limit is refused with the reason and the text is kept', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const long = 'x'.repeat(10_001);
  const box = pair.rep.getByLabel('Message', { exact: true });
  await box.fill(long);
  // Said politely while typing, then as an alert when the rep tries to send.
  await expect(pair.rep.getByRole('status').filter({ hasText: 'the limit is 10000' })).toBeVisible();
  await box.press('Enter');
  await expect(pair.rep.getByRole('alert')).toContainText('the limit is 10000');
  await expect(box).toHaveValue(long);
  await expect(pair.customer.getByRole('log')).not.toContainText('xxxxxxxxxx');
  await box.press('Backspace');
  await expect(pair.rep.getByRole('alert')).toHaveCount(0);
  await box.press('Enter');
  await expect(pair.customer.getByRole('log')).toContainText('x'.repeat(100));
});

test('when the customer leaves, the rep is told', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  await pair.customer.getByRole('button', { name: 'Leave session' }).click();
  await pair.customer.getByRole('button', { name: 'Yes, leave' }).click();
  await expect(pair.rep.getByRole('log')).toContainText('Ada left the session.');
  // Said once, not once per way the departure was noticed.
  await expect(pair.rep.getByRole('log').getByText('left the session')).toHaveCount(1);
  await expect(pair.rep.getByTestId('connection-status')).toContainText('Session ended');
});

test('when the customer closes the tab, the rep sees it at once, and once the rejoin window passes, that Ada left', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  await pair.customer.close();
  // Said at once: the page may come back (a reload, a reopened tab) within the rejoin window (10 s here).
  await expect(pair.rep.getByRole('log')).toContainText('Ada’s page closed or lost its connection. Waiting for them to come back…', { timeout: 5_000 });
  await expect(pair.rep.getByTestId('connection-status')).toContainText('Connection lost — reconnecting…');
  await expect(pair.rep.getByRole('log')).toContainText('Ada left the session.', { timeout: 30_000 });
  await expect(pair.rep.getByTestId('connection-status')).toContainText('Session ended');
});

test('when the customer’s browser dies without a goodbye, the rep sees the link drop within seconds, then the connection lost', async ({ browser, baseURL }) => {
  test.setTimeout(90_000);
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const cdp = await pair.customerContext.newCDPSession(pair.customer);
  void cdp.send('Page.crash').catch(() => {}); // the renderer dies: no pagehide, no bye (never answers)
  // The heartbeat falls silent: noticed in seconds, not when ICE consent finally fails (~30 s).
  await expect(pair.rep.getByTestId('connection-status')).toContainText('Connection lost — reconnecting…', { timeout: 10_000 });
  // It never comes back within the rejoin window (10 s here): lost, not "left".
  await expect(pair.rep.getByRole('log')).toContainText('The connection to Ada was lost', { timeout: 60_000 });
  await expect(pair.rep.getByTestId('connection-status')).toContainText('Session ended');
});
