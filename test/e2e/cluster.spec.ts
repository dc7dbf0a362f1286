/**
 * Several signaling nodes on one Redis (REDIS_URL), each a real server process: the rep's console
 * talks to node A, the customer's page reaches node B through a TCP balancer that falls back to
 * node A. They pair and chat across nodes; node B is killed mid-session (a crash: no goodbye)
 * and the customer's page carries on peer to peer, then takes its place again through node A.
 * And with Redis stopped, a node refuses new sessions with a clear message, and recovers.
 */
import { expect, test, type Browser } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { startRedis, type TestRedis } from '../redis-server.ts';
import { closePair, dropLinks, expectConnected, joinByTyping, recordPeerConnections, safetyCode, sendMessage, startSession, type Pair } from './fixtures.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { startTcpBalancer, type TcpBalancer } from './tcp-balancer.ts';

let redis: TestRedis | null = null;
let nodes: ServerProcess[] = [];
let balancer: TcpBalancer | null = null;
let pair: Pair | null = null;

test.afterEach(async () => {
  if (pair) await closePair(pair);
  pair = null;
  await balancer?.close();
  balancer = null;
  for (const node of nodes) await node.kill();
  nodes = [];
  await redis?.stop();
  redis = null;
});

async function startNode(port: number): Promise<ServerProcess> {
  const node = await startServerProcess(port, { REDIS_URL: `redis://127.0.0.1:${SERVERS.redis}`, REDIS_PREFIX: 'cluster-e2e:' });
  nodes.push(node);
  return node;
}

/** The rep's console on node A; the customer's page through the balancer (node B first). */
async function openCrossNodePair(browser: Browser, a: ServerProcess, customerBase: string): Promise<Pair> {
  const repContext = await browser.newContext({ baseURL: a.url, locale: 'en-US' });
  const customerContext = await browser.newContext({ baseURL: customerBase, locale: 'en-US' });
  return { repContext, customerContext, rep: await repContext.newPage(), customer: await customerContext.newPage() };
}

test('a rep on node A and a customer on node B pair and chat; node B dies and the customer carries on, then rejoins through node A', async ({ browser }) => {
  test.setTimeout(120_000);
  redis = await startRedis(SERVERS.redis);
  const a = await startNode(SERVERS.nodeA);
  const b = await startNode(SERVERS.nodeB);
  balancer = await startTcpBalancer(SERVERS.balancer, [SERVERS.nodeB, SERVERS.nodeA]);
  pair = await openCrossNodePair(browser, a, `http://127.0.0.1:${SERVERS.balancer}`);
  const { rep, customer } = pair;
  await recordPeerConnections(customer);

  const { code } = await startSession(rep);
  await joinByTyping(customer, code);
  await expectConnected(rep, customer);
  expect(new Set(balancer.routed)).toEqual(new Set([SERVERS.nodeB])); // the customer is on node B only
  const before = await safetyCode(rep);
  await sendMessage(customer, 'hello from node B');
  await expect(rep.getByRole('log')).toContainText('hello from node B');

  await b.kill();
  await expect(customer.getByRole('log')).toContainText('Lost contact with the server. The conversation goes on directly; reconnecting in the background…');
  await sendMessage(rep, 'still here while your server is gone');
  await expect(customer.getByRole('log')).toContainText('still here while your server is gone');
  await expect(customer.getByRole('log')).toContainText('Back in contact with the server.', { timeout: 30_000 });
  expect(balancer.routed.at(-1)).toBe(SERVERS.nodeA);

  // Signaling works again for this session, through node A: a dropped link is re-paired through it.
  expect(await dropLinks(customer)).toBeGreaterThan(0);
  for (const page of [rep, customer]) {
    await expect(page.getByRole('log')).toContainText('Reconnected: end-to-end encrypted again, same safety code.');
    await expect(page.getByTestId('connection-status')).toContainText('Connected — end-to-end encrypted');
  }
  expect(await safetyCode(customer)).toBe(before);
  await sendMessage(customer, 'after node B died');
  await expect(rep.getByRole('log')).toContainText('after node B died');
});

test('with Redis stopped, a node refuses new sessions with a clear message and does not crash; it recovers when Redis is back', async ({ browser }) => {
  test.setTimeout(90_000);
  redis = await startRedis(SERVERS.redis);
  const a = await startNode(SERVERS.nodeA);
  const context = await browser.newContext({ baseURL: a.url, locale: 'en-US' });
  const rep = await context.newPage();
  pair = { repContext: context, customerContext: await browser.newContext(), rep, customer: rep };
  await rep.goto('/rep');

  await redis.kill();
  await expect.poll(() => fetch(`${a.url}/readyz`).then((r) => r.status), { timeout: 10_000 }).toBe(503);
  await rep.getByRole('button', { name: 'Start session' }).first().click();
  await expect(rep.getByRole('alert').first()).toContainText('The support service is having trouble right now. Try again in a minute.');
  await expect(rep.getByRole('log').getByText('Session stopped: The support service is having trouble right now.')).toHaveCount(1); // said once
  expect((await fetch(`${a.url}/healthz`)).status).toBe(200); // alive, only not ready

  await redis.start();
  await expect.poll(() => fetch(`${a.url}/readyz`).then((r) => r.status), { timeout: 15_000 }).toBe(200);
  await rep.getByRole('button', { name: 'Start session' }).first().click();
  await expect(rep.getByTestId('session-code')).toHaveText(/\d{3}-\d{3}\s?\d{3}/);
});
