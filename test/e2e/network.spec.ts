import { expect, test } from '@playwright/test';
import { closePair, connectPair, openPair, recordPeerConnections, safetyCode, sendMessage, type Pair } from './fixtures.ts';
import { UdpFaultProxy, routeThrough } from './network-fault.ts';

let pair: Pair;
let proxy: UdpFaultProxy;
test.beforeEach(() => {
  proxy = new UdpFaultProxy();
});
test.afterEach(async () => {
  await closePair(pair);
  await proxy.close();
});

const status = (page: Pair['rep']) => page.getByTestId('connection-status');
const connectionsMade = (page: Pair['rep']) => page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.length);

test('a network that drops out is noticed on both sides, and recovers when it returns: same code, pending chat delivered once', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await routeThrough(rep, proxy);
  await routeThrough(customer, proxy);
  await recordPeerConnections(rep);
  await connectPair(pair);
  const before = await safetyCode(rep);
  await sendMessage(customer, 'before the outage');
  await expect(rep.getByRole('log')).toContainText('before the outage');
  expect(proxy.forwarded).toBeGreaterThan(0); // the browsers really talk through the forwarders

  proxy.cut();
  for (const page of [rep, customer]) {
    await expect(status(page)).toContainText('Connection lost — reconnecting…');
    await expect(page.getByRole('log')).toContainText('The direct connection dropped. Reconnecting with the same code…');
  }
  // Typed during the outage: kept, marked as waiting, not lost.
  await sendMessage(customer, 'typed while offline');
  await sendMessage(customer, 'and a second one');
  const mine = customer.getByRole('log').getByRole('listitem').filter({ hasText: 'typed while offline' });
  await expect(mine).toContainText('Waiting for the connection');
  await expect(rep.getByRole('log')).not.toContainText('typed while offline');
  expect(proxy.dropped).toBeGreaterThan(0);

  proxy.restore();
  for (const page of [rep, customer]) {
    await expect(status(page)).toContainText('Connected — end-to-end encrypted');
    await expect(page.getByRole('log')).toContainText('Reconnected: end-to-end encrypted again, same safety code.');
  }
  // Delivered once each, in the order typed.
  const log = rep.getByRole('log');
  await expect(log).toContainText('and a second one');
  const texts = await log.getByRole('listitem').allInnerTexts();
  const first = texts.findIndex((t) => t.includes('typed while offline'));
  const second = texts.findIndex((t) => t.includes('and a second one'));
  expect(first).toBeGreaterThan(-1);
  expect(second).toBeGreaterThan(first);
  expect(texts.filter((t) => t.includes('typed while offline'))).toHaveLength(1);
  await expect(mine).toContainText('Delivered');
  // Recovered by an ICE restart of the same connection, not by building a new one.
  expect(await connectionsMade(rep)).toBe(1);
  expect(await safetyCode(rep)).toBe(before);
  expect(await safetyCode(customer)).toBe(before);

  await sendMessage(rep, 'glad you are back');
  await expect(customer.getByRole('log')).toContainText('glad you are back');
});

test('an outage longer than one recovery attempt ends in a re-paired link, still without a new code', async ({ browser, baseURL }) => {
  test.setTimeout(90_000);
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await routeThrough(rep, proxy);
  await routeThrough(customer, proxy);
  await recordPeerConnections(rep);
  await connectPair(pair);
  const before = await safetyCode(customer);
  proxy.cut();
  await expect(status(rep)).toContainText('Connection lost — reconnecting…');
  await sendMessage(rep, 'are you still there?');
  // Longer than the ICE restart's attempt (15 s): the next attempt builds a new connection.
  await rep.waitForTimeout(20_000);
  proxy.restore();
  for (const page of [rep, customer]) await expect(status(page)).toContainText('Connected — end-to-end encrypted', { timeout: 30_000 });
  await expect(customer.getByRole('log')).toContainText('are you still there?');
  expect(await connectionsMade(rep)).toBeGreaterThan(1); // a new connection (next epoch) took over
  expect(await safetyCode(customer)).toBe(before);
});
