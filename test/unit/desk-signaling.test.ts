/**
 * The support desk end to end over the real signaling server and real socket.io connections:
 * rep consoles (DeskClient), a customer request (DeskRequest), details sealed for each console,
 * an offer, accept pairing both in a room where the desk password key agreement runs (Session
 * desk mode; in-memory peer links), "not verified" until confirmed, relay, move queue; and the
 * server refusing malformed or unauthorised desk requests.
 */
import nacl from 'tweetnacl';
import { afterEach, describe, expect, it } from 'vitest';
import type { CustomerDetails } from '../../protocol/customer-details.ts';
import { DeskClient, type DeskEntry } from '../../client/src/lib/desk-client.svelte.ts';
import { DeskRequest, type DeskHandover } from '../../client/src/lib/desk-request.svelte.ts';
import { Portal } from '../../client/src/lib/portal.ts';
import { DeskSession as Session } from '../../client/src/lib/desk-session.ts';
import { FakeLinkNet } from './fakes.ts';
import { ServerHarness, raw } from './server-harness.ts';

const harness = new ServerHarness();
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await harness.cleanup();
});

const ada: CustomerDetails = { name: 'Ada', description: 'The printer says PC LOAD LETTER', queue: 'general' };

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function console_(url: string, name: string, offers: DeskEntry[] = []) {
  const keys = nacl.box.keyPair();
  const desk = new DeskClient({ portal: new Portal(url), keys, displayName: name, onOffer: (e) => offers.push(e) });
  closers.push(() => desk.destroy());
  return { desk, keys, offers };
}

describe('support desk over the signaling server', () => {
  it('a request sealed for two reps; accept pairs rep and customer in a room, unauthenticated until confirmed; chat flows', async () => {
    const { url } = await harness.startServer();
    const ann = console_(url, 'Ann');
    const bob = console_(url, 'Bob');
    await ann.desk.connect();
    await new Promise((r) => setTimeout(r, 5)); // Ann idle longer: she gets the offer
    await bob.desk.connect();

    let handover: DeskHandover | null = null;
    const request = new DeskRequest({ portal: new Portal(url), onAccepted: (h) => (handover = h) });
    closers.push(() => request.destroy());
    await request.start('general', ada);
    await until(() => request.position === 1, 'position');
    expect(request.repsAvailable).toBe(2);
    // Both consoles open the details with their own key; only one is offered the chat.
    await until(() => ann.desk.entries[0]?.customer?.name === 'Ada' && bob.desk.entries[0]?.customer?.name === 'Ada', 'details opened');
    await until(() => ann.offers.length === 1, 'offer');
    expect(bob.offers).toEqual([]);
    const requestId = ann.offers[0]!.requestId;

    const net = new FakeLinkNet();
    const rep = new Session({ role: 'rep', name: 'Ann', portal: new Portal(url), createLink: net.createLink });
    closers.push(() => rep.destroy());
    let customer: Session | null = null;
    const accepted = rep.startFromQueue(requestId, { publicKey: ann.keys.publicKey, displayName: 'Ann' });
    await until(() => handover !== null, 'desk-accepted');
    const h = handover as unknown as DeskHandover;
    expect(h.accepted.repName).toBe('Ann');
    customer = new Session({ role: 'customer', name: 'Ada', portal: h.portal, createLink: net.createLink });
    closers.push(() => customer?.destroy());
    const verified: { role: string; authenticated: boolean; code: string }[] = [];
    for (const s of [rep, customer]) s.on('verified', ({ safetyCode, authenticated }) => verified.push({ role: s.role, authenticated, code: safetyCode.map((x) => x.emoji).join('') }));
    customer.joinFromDesk(h.accepted, h.takeRelays());
    await accepted;
    // A second rep is too late.
    const late = new Portal(url);
    closers.push(() => late.destroy());
    await late.connect();
    await late.desk.hello(bob.keys.publicKey, { displayName: 'Bob', console: false });
    await expect(late.desk.accept(requestId)).rejects.toMatchObject({ code: 'REQUEST_GONE' });

    await until(() => verified.length === 2 || (rep.state === 'connecting' && customer?.state === 'connecting'), 'key confirmed on both sides');
    if (verified.length < 2) net.open(); // the in-memory link may already be up
    await until(() => verified.length === 2, 'verified');
    expect(verified.map((x) => x.authenticated)).toEqual([false, false]);
    expect(verified[0]!.code).toBe(verified[1]!.code);
    expect(ann.desk.entries).toEqual([]);

    const chats: string[] = [];
    customer.on('chat', (c) => chats.push(c.text));
    rep.sendChat('Hello Ada');
    await until(() => chats.length === 1, 'chat');
    expect(chats).toEqual(['Hello Ada']);
    const confirmed: boolean[] = [];
    rep.on('authenticated', (a) => confirmed.push(a));
    rep.confirmSafetyCode();
    expect(rep.authenticated).toBe(true);
    expect(confirmed).toEqual([true]);
    expect(rep.resumeSnapshot()?.authenticated).toBe(true);
    expect(customer.resumeSnapshot()?.authenticated).toBe(false);
  });

  it('"Move queue": the customer gets a new ticket and waits again in the other queue', async () => {
    const { url } = await harness.startServer();
    const ann = console_(url, 'Ann');
    await ann.desk.connect();
    let handover: DeskHandover | null = null;
    const request = new DeskRequest({ portal: new Portal(url), onAccepted: (h) => (handover = h) });
    await request.start('general', ada);
    await until(() => ann.offers.length === 1, 'offer');
    const net = new FakeLinkNet();
    const rep = new Session({ role: 'rep', name: 'Ann', portal: new Portal(url), createLink: net.createLink });
    closers.push(() => rep.destroy());
    const accepting = rep.startFromQueue(ann.offers[0]!.requestId, ann.desk.repIdentity);
    await until(() => handover !== null, 'accepted');
    const h = handover as unknown as DeskHandover;
    const customer = new Session({ role: 'customer', name: 'Ada', portal: h.portal, createLink: net.createLink });
    closers.push(() => customer.destroy());
    const requeued: { requestId: string; requestToken: string; queue: string }[] = [];
    customer.on('requeued', (r) => requeued.push(r));
    customer.joinFromDesk(h.accepted, h.takeRelays());
    await accepting;
    await until(() => (customer.state === 'connecting' && rep.state === 'connecting') || (customer.state === 'verified' && rep.state === 'verified'), 'paired');
    if (customer.state !== 'verified') net.open();
    await until(() => customer.state === 'verified' && rep.state === 'verified', 'verified');
    await rep.moveToQueue('general');
    await until(() => requeued.length === 1, 'requeued');
    const again = new DeskRequest({ portal: new Portal(url) });
    closers.push(() => again.destroy());
    await again.start('general', ada, requeued[0]);
    expect(again.phase).toBe('waiting');
    await until(() => again.position === 1, 'position again');
    await until(() => ann.desk.entries[0]?.movedBy === 'Ann' && ann.desk.entries[0]?.customer?.name === 'Ada', 'moved entry with details');
  });

  it('refuses malformed desk payloads, unknown queues, and customers acting as reps', async () => {
    const { url } = await harness.startServer();
    const customer = harness.client(url);
    await new Promise<void>((r) => customer.once('connect', () => r()));
    const ask = (event: string, payload: unknown) => raw(customer).timeout(3000).emitWithAck(event, payload);
    expect(await ask('desk-request', { queue: 'Not A Queue!' })).toEqual({ ok: false, error: 'MALFORMED' });
    expect(await ask('desk-request', { queue: 'billing' })).toEqual({ ok: false, error: 'UNKNOWN_QUEUE' });
    const queued = (await ask('desk-request', { queue: 'general' })) as { ok: true; requestId: string; requestToken: string };
    expect(queued).toMatchObject({ ok: true, repKeys: [] });
    expect(await ask('desk-details', { requestId: queued.requestId, sealed: [{ keyId: 'k1', data: 'A'.repeat(3001) }] })).toEqual({ ok: false, error: 'MALFORMED' });
    expect(await ask('desk-details', { requestId: queued.requestId, sealed: 'nope' })).toEqual({ ok: false, error: 'MALFORMED' });
    // Not a rep (no hello): it can neither accept nor reject, not even its own request.
    expect(await ask('desk-accept', { requestId: queued.requestId })).toEqual({ ok: false, error: 'FORBIDDEN' });
    expect(await ask('desk-reject', { requestId: queued.requestId })).toEqual({ ok: false, error: 'FORBIDDEN' });
    expect(await ask('desk-presence', { status: 'available' })).toEqual({ ok: false, error: 'FORBIDDEN' });
    expect(await ask('desk-hello', { publicKey: 'short' })).toEqual({ ok: false, error: 'MALFORMED' });
    expect(await ask('desk-resume', { requestId: queued.requestId, requestToken: 'A'.repeat(22) })).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect(await ask('desk-cancel', { requestId: queued.requestId })).toEqual({ ok: true });
  });

  it('limits chat requests per client: the 11th within a minute is RATE_LIMITED', async () => {
    const { url } = await harness.startServer();
    const customer = harness.client(url);
    await new Promise<void>((r) => customer.once('connect', () => r()));
    const ask = (event: string, payload: unknown) => raw(customer).timeout(3000).emitWithAck(event, payload) as Promise<{ ok: boolean; requestId?: string; error?: string }>;
    for (let i = 0; i < 10; i++) {
      const queued = await ask('desk-request', { queue: 'general' });
      expect(queued.ok).toBe(true);
      expect(await ask('desk-cancel', { requestId: queued.requestId })).toEqual({ ok: true });
    }
    expect(await ask('desk-request', { queue: 'general' })).toEqual({ ok: false, error: 'RATE_LIMITED' });
  });
});
