/**
 * The signaling server goes away mid-session (killed, as a crash would) and comes back later as
 * a fresh process with no memory of the room: the session carries on peer to peer meanwhile,
 * and both browsers reconnect and rejoin the room on their own.
 */
import { expect, test } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { closePair, connectPair, dropLinks, openPair, recordPeerConnections, safetyCode, sendMessage, type Pair } from './fixtures.ts';
import { MB, attach, downloadHash, payload, send, sha256 } from './file-fixtures.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

const port = SERVERS.outage;
const base = `http://127.0.0.1:${port}`;
let server: ServerProcess | null = null;
let pair: Pair;

async function startServer(): Promise<void> {
  server = await startServerProcess(port);
}

async function killServer(): Promise<void> {
  const running = server;
  server = null;
  await running?.kill();
}

test.afterEach(async () => {
  await closePair(pair);
  await killServer();
});

test('with the signaling server down, chat, nudges, files and screen sharing go on peer to peer; when it is back, both sides rejoin on their own', async ({ browser }) => {
  test.setTimeout(120_000);
  await startServer();
  pair = await openPair(browser, base);
  const { rep, customer } = pair;
  await recordPeerConnections(customer);
  await connectPair(pair);
  const before = await safetyCode(rep);

  await killServer();
  for (const page of [rep, customer]) {
    await expect(page.getByRole('log')).toContainText('Lost contact with the server. The conversation goes on directly; reconnecting in the background…');
    await expect(page.getByTestId('connection-status')).toContainText('Connected — end-to-end encrypted');
  }

  // Everything that is peer to peer keeps working without the server.
  await sendMessage(customer, 'is the server down?');
  await expect(rep.getByRole('log')).toContainText('is the server down?');
  await sendMessage(rep, 'yes, but we are fine');
  await expect(customer.getByRole('log')).toContainText('yes, but we are fine');
  await rep.getByRole('button', { name: 'Nudge' }).click();
  await expect(customer.getByRole('log')).toContainText('nudged you.');
  const file = payload('notes.pdf', 1 * MB);
  await attach(customer, [file]);
  await send(customer);
  await rep.getByRole('button', { name: 'Accept notes.pdf', exact: true }).click();
  await expect(rep.getByText('Received — checked intact (content hash)')).toBeVisible();
  expect(await downloadHash(rep, 'notes.pdf')).toBe(sha256(file.buffer));
  await rep.getByRole('button', { name: 'Request screen' }).click();
  await customer.getByRole('button', { name: 'Share screen' }).click();
  await expect(rep.getByRole('region', { name: 'Customer screen' }).locator('video')).toBeVisible();
  await customer.getByRole('button', { name: 'Stop sharing' }).click();

  // The server comes back (a new process: it knows nothing of the room) and both sides rejoin.
  await startServer();
  for (const page of [rep, customer]) await expect(page.getByRole('log')).toContainText('Back in contact with the server.', { timeout: 30_000 });

  // The rejoined room works: a dropped link is re-paired through it, with the same safety code.
  expect(await dropLinks(customer)).toBeGreaterThan(0);
  for (const page of [rep, customer]) {
    await expect(page.getByRole('log')).toContainText('Reconnected: end-to-end encrypted again, same safety code.');
    await expect(page.getByTestId('connection-status')).toContainText('Connected — end-to-end encrypted');
  }
  expect(await safetyCode(customer)).toBe(before);
  await sendMessage(customer, 'after the server came back');
  await expect(rep.getByRole('log')).toContainText('after the server came back');
});
