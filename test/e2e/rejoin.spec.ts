import { expect, test } from '@playwright/test';
import { closePair, connectPair, openPair, safetyCode, sendMessage, type Pair } from './fixtures.ts';
import { MB, attach, chunksDelivered, controlBulk, holdChunksAfter, payload, send } from './file-fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

const status = (page: Pair['rep']) => page.getByTestId('connection-status');

test('a customer who reloads the page rejoins the same session: transcript kept, same safety code, the gap logged on both sides', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await connectPair(pair);
  const before = await safetyCode(customer);
  await sendMessage(customer, 'my printer is offline');
  await expect(rep.getByRole('log')).toContainText('my printer is offline');

  await customer.reload();
  await expect(status(customer)).toContainText('Connected — end-to-end encrypted');
  await expect(status(rep)).toContainText('Connected — end-to-end encrypted');
  await expect(customer.getByRole('log')).toContainText('my printer is offline'); // from this browser's store
  await expect(customer.getByRole('log')).toContainText(/This page was reloaded and rejoined the session: away for \d+ s, since .+\./);
  await expect(rep.getByRole('log')).not.toContainText('Error:'); // the peer's absence is no error
  await expect(rep.getByRole('log')).toContainText('Ada’s page closed or lost its connection. Waiting for them to come back…');
  await expect(rep.getByRole('log')).toContainText(/Ada is back after \d+ s away\./);
  expect(await safetyCode(customer)).toBe(before);
  expect(await safetyCode(rep)).toBe(before);
  // No new code was asked for, and the conversation goes on both ways.
  await expect(customer.getByLabel('Session code')).toHaveCount(0);
  await sendMessage(customer, 'back after the reload');
  await expect(rep.getByRole('log')).toContainText('back after the reload');
  await sendMessage(rep, 'welcome back');
  await expect(customer.getByRole('log')).toContainText('welcome back');
  // Shown once each, on both sides.
  await expect(rep.getByRole('log').getByText('my printer is offline')).toHaveCount(1);
  await expect(customer.getByRole('log').getByText('my printer is offline')).toHaveCount(1);
});

test('a rep who reloads the console gets the live session back with its transcript', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await connectPair(pair);
  const before = await safetyCode(rep);
  await sendMessage(rep, 'let me check your account');
  await expect(customer.getByRole('log')).toContainText('let me check your account');

  await rep.reload();
  await expect(status(rep)).toContainText('Connected — end-to-end encrypted');
  await expect(status(customer)).toContainText('Connected — end-to-end encrypted');
  await expect(rep.getByRole('log')).toContainText('let me check your account');
  await expect(rep.getByRole('log')).toContainText(/This page was reloaded and rejoined the session/);
  await expect(customer.getByRole('log')).toContainText(/Support’s page closed or lost its connection|’s page closed or lost its connection/);
  expect(await safetyCode(rep)).toBe(before);
  await sendMessage(customer, 'thanks for waiting');
  await expect(rep.getByRole('log')).toContainText('thanks for waiting');
  await sendMessage(rep, 'found it');
  await expect(customer.getByRole('log')).toContainText('found it');
  // The session is live: the rep can still end it, and the customer is told.
  await rep.getByRole('button', { name: 'End session' }).click();
  await rep.getByRole('button', { name: 'Yes, end it' }).click();
  await expect(status(customer)).toContainText('Session ended');
});

test('leaving on purpose is not a reload: the customer’s page does not rejoin', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await connectPair(pair);
  await customer.getByRole('button', { name: 'Leave session' }).click();
  await customer.getByRole('button', { name: 'Yes, leave' }).click();
  await expect(rep.getByRole('log')).toContainText('Ada left the session.');
  await customer.reload();
  await expect(customer.getByLabel('Session code')).toBeVisible();
  await expect(customer.getByTestId('connection-status')).toHaveCount(0);
});

test('a file transfer under way when the customer’s page reloads ends as interrupted on the rep’s side, with what to do', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await controlBulk(customer);
  await connectPair(pair);
  await holdChunksAfter(customer, 8); // the transfer stays under way until the reload
  await attach(rep, [payload('manual.pdf', 2 * MB)]);
  await send(rep);
  await customer.getByRole('button', { name: 'Accept manual.pdf', exact: true }).click();
  await expect.poll(() => chunksDelivered(customer)).toBe(8);
  await customer.reload();
  await expect(status(customer)).toContainText('Connected — end-to-end encrypted');
  await expect(rep.getByText('Failed: the other page was closed or reloaded before it finished — send it again')).toBeVisible();
  // Nothing else is lost: the chat goes on, and the file can be sent again.
  await attach(rep, [payload('manual-again.pdf', 1024)]);
  await send(rep);
  await customer.getByRole('button', { name: 'Accept manual-again.pdf', exact: true }).click();
  await expect(customer.getByText('Received — checked intact (content hash)')).toBeVisible();
});
