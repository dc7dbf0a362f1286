/**
 * A session forced through a real TURN relay: coturn 4.6.1 on loopback, started from the shipped
 * sample (test/e2e/coturn.ts), and a Parley server of its own with TURN_SECRET, TURN_URLS and
 * ICE_TRANSPORT_POLICY=relay. The browsers reach coturn through a forwarder that inspects every
 * packet (turn-observer.ts), so the test sees exactly what the relay carries.
 *
 * Both browsers run on this machine, so each relays to the other's relay address on 127.0.0.1:
 * this coturn allows that one loopback peer (`allowLoopbackPeers`), which the shipped sample
 * (rightly) denies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { io } from 'socket.io-client';
import { SERVERS, common } from '../../playwright.config.ts';
import { PROTOCOL_VERSION } from '../../protocol/version.ts';
import { startCoturn, type Coturn } from './coturn.ts';
import { closePair, connectPair, openPair, recordPeerConnections, sendMessage, type Pair } from './fixtures.ts';
import { TurnObserver } from './turn-observer.ts';

const base = `http://127.0.0.1:${SERVERS.turn}`;
/** A throwaway secret for this run's coturn and Parley server. */
const SECRET = `e2e-${Date.now()}-0123456789abcdef`;

let coturn: Coturn | null = null;
let observer: TurnObserver | null = null;
let server: ChildProcess | null = null;
let pair: Pair | null = null;

test.beforeAll(async () => {
  coturn = await startCoturn({ port: SERVERS.coturn, minPort: 50000, maxPort: 50049, secret: SECRET, allowLoopbackPeers: true, verbose: true });
  observer = new TurnObserver(SERVERS.coturn);
  await observer.listen(SERVERS.turnObserver);
  const answering = await fetch(`${base}/healthz`).then(() => true, () => false);
  if (answering) throw new Error(`port ${SERVERS.turn} is already in use: stop the stale server first`);
  const env = {
    ...process.env,
    ...common,
    PORT: String(SERVERS.turn),
    TURN_SECRET: SECRET,
    TURN_URLS: `turn:127.0.0.1:${SERVERS.turnObserver}?transport=udp`,
    ICE_TRANSPORT_POLICY: 'relay',
    // The shortest lifetime allowed: pages ask for fresh credentials after 30 s (see the last test).
    TURN_CREDENTIAL_TTL_SECONDS: '60',
  };
  // Its own process group, so that killing it kills the server under npx too.
  server = spawn('npx', ['tsx', 'test/e2e/test-server.ts'], { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await expect
    .poll(async () => {
      if (server?.exitCode !== null) throw new Error(`the Parley server exited: ${stderr}`);
      return fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    }, { timeout: 30_000 })
    .toBe(true);
});

test.afterEach(async () => {
  if (pair) await closePair(pair);
  pair = null;
});

test.afterAll(async () => {
  observer?.close();
  await coturn?.stop();
  const child = server;
  server = null;
  if (child && child.exitCode === null) {
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        resolve(); // already gone
      }
    });
  }
});

/** What the page's peer connection uses: its policy, TURN URLs and the selected pair's candidate types. */
async function connectionReport(page: Page) {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState === 'connected');
    const pc = pcs[pcs.length - 1];
    if (!pc) return null;
    const config = pc.getConfiguration();
    const stats = [...(await pc.getStats()).values()] as ({ type: string; id: string } & Record<string, unknown>)[];
    const byId = new Map(stats.map((s) => [s.id, s]));
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const selected = transport ? byId.get(transport.selectedCandidatePairId as string) : undefined;
    const local = selected ? byId.get(selected.localCandidateId as string) : undefined;
    const remote = selected ? byId.get(selected.remoteCandidateId as string) : undefined;
    return {
      policy: config.iceTransportPolicy,
      turnUrls: (config.iceServers ?? []).flatMap((s) => (typeof s.urls === 'string' ? [s.urls] : s.urls)).filter((u) => u.startsWith('turn')),
      // Only the shape of the username (expiry:random id), never the credentials themselves.
      usernamesLookRight: (config.iceServers ?? []).filter((s) => s.username).every((s) => /^\d{10}:[A-Za-z0-9_-]{16}$/.test(s.username!)),
      local: local?.candidateType,
      remote: remote?.candidateType,
      localProtocol: local?.relayProtocol,
    };
  });
}

test('ICE_TRANSPORT_POLICY=relay: the session goes through coturn, and the relay carries only STUN, DTLS and SRTP', async ({ browser }) => {
  test.setTimeout(90_000);
  pair = await openPair(browser, base);
  const { rep, customer } = pair;
  for (const page of [rep, customer]) await recordPeerConnections(page);
  await connectPair(pair);

  // Both ends of the selected candidate pair are relay candidates, allocated over UDP.
  for (const page of [rep, customer]) {
    expect(await connectionReport(page)).toEqual({
      policy: 'relay',
      turnUrls: [`turn:127.0.0.1:${SERVERS.turnObserver}?transport=udp`],
      usernamesLookRight: true,
      local: 'relay',
      remote: 'relay',
      localProtocol: 'udp',
    });
  }

  const fromCustomer = 'plaintext-canary: the relay must never see this';
  const fromRep = 'plaintext-canary: nor this answer';
  observer!.watch(fromCustomer);
  observer!.watch(fromRep);
  await sendMessage(customer, fromCustomer);
  await expect(rep.getByRole('log')).toContainText(fromCustomer);
  await sendMessage(rep, fromRep);
  await expect(customer.getByRole('log')).toContainText(fromRep);

  // Screen sharing: media through the relay too (SRTP).
  const region = rep.getByRole('region', { name: 'Customer screen' });
  await rep.getByRole('button', { name: 'Request screen' }).click();
  await customer.getByRole('button', { name: 'Share screen' }).click();
  await expect(region.locator('video')).toBeVisible();
  await expect.poll(() => region.locator('video').evaluate((el: HTMLVideoElement) => el.videoWidth > 0 && !el.paused), { timeout: 15_000 }).toBe(true);
  await expect.poll(() => observer!.relayed.rtp, { timeout: 15_000 }).toBeGreaterThan(50);
  await customer.getByRole('button', { name: 'Stop sharing' }).click();

  // What went through the relay: ICE checks (STUN), DTLS (handshake, then application data: the
  // data channels, whose messages are sealed once more inside) and SRTP. Nothing else, and none
  // of the typed text.
  const seen = observer!;
  expect(seen.unframed).toBe(0);
  expect(seen.relayed.stun).toBeGreaterThan(0);
  expect(seen.relayed.dtls).toBeGreaterThan(0);
  expect(seen.dtlsContentTypes.get(22), 'DTLS handshake records').toBeGreaterThan(0);
  // Encrypted records: application data (23) in DTLS 1.2, or DTLS 1.3's ciphertext records, whose
  // first byte is 0b001xxxxx (32-63; Chromium speaks DTLS 1.3 since 2024).
  const encrypted = [...seen.dtlsContentTypes].filter(([first]) => first === 23 || (first >= 32 && first <= 63)).reduce((sum, [, count]) => sum + count, 0);
  expect(encrypted, `encrypted DTLS records (first bytes seen: ${JSON.stringify([...seen.dtlsContentTypes])})`).toBeGreaterThan(10);
  expect({ other: seen.relayed.other, strays: seen.strays }).toEqual({ other: 0, strays: [] });
  expect(seen.leaks).toEqual([]);

  // coturn really relayed: it handed the browsers data that only the other browser had sent,
  // and says in its own log that it allocated a relay for each browser, with its own credential.
  expect(seen.direction.toRelay).toBeGreaterThan(100);
  expect(seen.direction.fromRelay).toBeGreaterThan(100);
  const log = coturn!.log();
  const allocatedFor = new Set([...log.matchAll(/user <(\d+:[\w-]+)>: incoming packet ALLOCATE processed, success/g)].map((m) => m[1]));
  expect(allocatedFor.size).toBeGreaterThanOrEqual(2);
  expect(log).toMatch(/CHANNEL_BIND processed, success/);
});

/** The TURN usernames ("<expiry>:<random id>") the page's newest connected peer connection is configured with. */
function turnUsernames(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState === 'connected');
    return (pcs[pcs.length - 1]?.getConfiguration().iceServers ?? []).flatMap((s) => (s.username ? [s.username] : []));
  });
}

test('a long session: credentials refreshed at half their lifetime are the ones used to reconnect through the relay after a network cut', async ({ browser }) => {
  test.setTimeout(150_000);
  pair = await openPair(browser, base);
  const { rep, customer } = pair;
  for (const page of [rep, customer]) await recordPeerConnections(page);
  await connectPair(pair);
  const [repBefore] = await turnUsernames(rep);
  const [customerBefore] = await turnUsernames(customer);
  expect(repBefore).toMatch(/^\d+:/);

  // TURN_CREDENTIAL_TTL_SECONDS is 60: each page asks for fresh credentials 30 s after it got them.
  await rep.waitForTimeout(33_000);
  observer!.cut();
  for (const page of [rep, customer]) await expect(page.getByTestId('connection-status')).toContainText('Connection lost — reconnecting…');
  observer!.restore();
  for (const page of [rep, customer]) {
    await expect(page.getByTestId('connection-status')).toContainText('Connected — end-to-end encrypted', { timeout: 45_000 });
    await expect(page.getByRole('log')).toContainText('Reconnected: end-to-end encrypted again, same safety code.');
  }
  expect(observer!.dropped).toBeGreaterThan(0);
  // Usually an ICE restart of the same connection (given the fresh credentials just before it:
  // PeerLink.useCurrentIce); a re-pair with a new connection if that took too long.
  const connections = await rep.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.length);
  test.info().annotations.push({ type: 'recovery', description: connections === 1 ? 'ICE restart' : 're-pair' });

  // The connection that carries the session now was configured with the refreshed credentials
  // (a later expiry), and coturn allocated the new relays with them.
  const [repAfter] = await turnUsernames(rep);
  const [customerAfter] = await turnUsernames(customer);
  const expiry = (username: string | undefined) => Number(username?.split(':')[0]);
  expect(expiry(repAfter)).toBeGreaterThan(expiry(repBefore) + 25);
  expect(expiry(customerAfter)).toBeGreaterThan(expiry(customerBefore) + 25);
  const log = coturn!.log();
  for (const username of [repAfter, customerAfter]) expect(log).toContain(`user <${username}>: incoming packet ALLOCATE processed, success`);
  for (const page of [rep, customer]) expect(await connectionReport(page)).toMatchObject({ policy: 'relay', local: 'relay', remote: 'relay' });

  await sendMessage(customer, 'still here after the cut');
  await expect(rep.getByRole('log')).toContainText('still here after the cut');
});

test('TURN credentials are refused to a socket that is not in a session', async () => {
  const socket = io(base, { auth: { version: PROTOCOL_VERSION }, transports: ['websocket'], reconnection: false, forceNew: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    expect(await socket.timeout(5000).emitWithAck('turn-credentials', {})).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    // Creating a room makes it a member: the answer carries credentials, and so does a refresh.
    const room = (await socket.timeout(5000).emitWithAck('create-room', {})) as { ok: boolean; iceServers: { urls: string | string[]; username?: string }[]; iceTransportPolicy?: string };
    expect(room).toMatchObject({ ok: true, iceTransportPolicy: 'relay' });
    expect(room.iceServers.some((s) => s.username !== undefined)).toBe(true);
    expect(await socket.timeout(5000).emitWithAck('turn-credentials', {})).toMatchObject({ ok: true, iceTransportPolicy: 'relay' });
    socket.emit('leave-room', {});
    expect(await socket.timeout(5000).emitWithAck('turn-credentials', {})).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
  } finally {
    socket.disconnect();
  }
});
