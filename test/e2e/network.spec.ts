import { expect, test, type Browser } from '@playwright/test';
import { closePair, connectPair, dropLinks, openPair, recordPeerConnections, safetyCode, sendMessage, type Pair } from './fixtures.ts';
import { MB, attach, chunksDelivered, controlBulk, downloadHash, holdChunksAfter, payload, releaseAndHoldAfter, releaseChunks, send, sha256 } from './file-fixtures.ts';
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

/** A rep and a customer whose WebRTC traffic all goes through `proxy`, connections recorded. */
async function openRoutedPair(browser: Browser, baseURL: string): Promise<Pair> {
  const opened = await openPair(browser, baseURL);
  for (const page of [opened.rep, opened.customer]) {
    await routeThrough(page, proxy);
    await recordPeerConnections(page);
  }
  return opened;
}
const connectionsMade = (page: Pair['rep']) => page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.length);

test('a network that drops out is noticed on both sides, and recovers when it returns: same code, pending chat delivered once', async ({ browser, baseURL }) => {
  pair = await openRoutedPair(browser, baseURL!);
  const { rep, customer } = pair;
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
  pair = await openRoutedPair(browser, baseURL!);
  const { rep, customer } = pair;
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

test('a 20 MB transfer cut three times (network outage, customer’s connection closed, rep’s connection closed) arrives once, hash intact', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  pair = await openRoutedPair(browser, baseURL!);
  const { rep, customer } = pair;
  await controlBulk(customer);
  await connectPair(pair);
  const file = payload('disk-image.bin', 20 * MB, 'application/pdf');
  // Each cut comes once the customer holds 64 more chunks (4 MB) of the new connection, counted
  // from the reconnection: a point reached on any machine, however fast the transfer goes.
  const reconnected = async (next: 'hold' | 'release') => {
    // What the cut connection still held goes nowhere useful.
    await (next === 'hold' ? releaseAndHoldAfter(customer, 64) : releaseChunks(customer));
    for (const page of [rep, customer]) await expect(status(page)).toContainText('Connected — end-to-end encrypted', { timeout: 30_000 });
    if (next === 'hold') await expect.poll(() => chunksDelivered(customer), { timeout: 30_000 }).toBe(64);
  };

  await holdChunksAfter(customer, 64);
  await attach(rep, [file]);
  await send(rep);
  await customer.getByRole('button', { name: 'Accept disk-image.bin', exact: true }).click();
  await expect.poll(() => chunksDelivered(customer), { timeout: 30_000 }).toBe(64);

  // 1: the network drops out for a few seconds.
  proxy.cut();
  for (const page of [rep, customer]) await expect(status(page)).toContainText('Connection lost — reconnecting…');
  await expect(customer.getByText('Paused — reconnecting…')).toBeVisible();
  proxy.restore();
  await reconnected('hold');

  // 2: the customer's connection closes.
  expect(await dropLinks(customer)).toBeGreaterThan(0);
  await reconnected('hold');

  // 3: the rep's connection closes.
  expect(await dropLinks(rep)).toBeGreaterThan(0);
  await reconnected('release');

  await expect(customer.getByText('Received — checked intact (content hash)')).toBeVisible({ timeout: 60_000 });
  expect(await downloadHash(customer, 'disk-image.bin')).toBe(sha256(file.buffer));
  await expect(rep.getByText('Delivered — Ada checked that it arrived intact')).toBeVisible();
  await expect(customer.getByRole('link', { name: 'disk-image.bin', exact: true })).toHaveCount(1); // once
  await expect(customer.getByRole('log')).not.toContainText('failed');
});
