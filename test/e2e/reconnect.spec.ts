import { expect, test } from '@playwright/test';
import { closePair, connectPair, dropLinks, openPair, recordPeerConnections, safetyCode, sendMessage, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

test('a dropped direct link is re-paired without a new code; the safety code stays and chat goes on', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await recordPeerConnections(customer);
  await connectPair(pair);
  const before = await safetyCode(rep);
  await sendMessage(customer, 'before the drop');
  await expect(rep.getByRole('log')).toContainText('before the drop');

  // Only the customer's browser closes its connection: the rep notices and offers a new link.
  expect(await dropLinks(customer)).toBe(1);
  await expect(rep.getByRole('log')).toContainText('The direct connection dropped. Reconnecting with the same code…');
  for (const page of [rep, customer]) {
    await expect(page.getByRole('log')).toContainText('Reconnected: end-to-end encrypted again, same safety code.');
    await expect(page.getByTestId('connection-status')).toContainText('Connected — end-to-end encrypted');
  }
  expect(await safetyCode(rep)).toBe(before);
  expect(await safetyCode(customer)).toBe(before);

  await sendMessage(customer, 'after the drop');
  await expect(rep.getByRole('log')).toContainText('after the drop');
  await sendMessage(rep, 'still here');
  await expect(customer.getByRole('log')).toContainText('still here');
  // Nobody was told the other side left.
  await expect(rep.getByRole('log')).not.toContainText('was lost');
  await expect(customer.getByRole('log')).not.toContainText('was lost');
});

test('when the rep’s browser drops the link, the customer asks for a new one and the session goes on', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await recordPeerConnections(rep);
  await connectPair(pair);
  expect(await dropLinks(rep)).toBe(1);
  for (const page of [rep, customer]) {
    await expect(page.getByRole('log')).toContainText('Reconnected: end-to-end encrypted again, same safety code.');
  }
  await sendMessage(rep, 'back again');
  await expect(customer.getByRole('log')).toContainText('back again');
});
