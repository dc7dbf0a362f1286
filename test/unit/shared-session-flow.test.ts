/**
 * A shared desk session end to end over the real signaling server (in memory, open mode): a
 * customer, its host rep A and an invited rep B, each with real Portals and desk-mode Sessions
 * (the data channels are in-memory links, sealed as the real ones). Checks the invitation, the
 * history handoff, relaying both ways, that a private line reaches B and never the customer
 * (neither its session nor the server's frames), and the transfer: the customer goes on with B
 * after A left.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeskAccepted, DeskQueue } from '../../protocol/desk.ts';
import { CustomerGate } from '../../client/src/lib/shared-session-gate.ts';
import { SharedHost } from '../../client/src/lib/shared-session-host.ts';
import { SharedGuest } from '../../client/src/lib/shared-session-guest.ts';
import { acceptInvitation, inviteColleague, takeCustomer } from '../../client/src/lib/colleague-link.ts';
import { deskKeyPair, forgetDeskKeyPairInMemory } from '../../client/src/lib/desk-keys.ts';
import { Portal } from '../../client/src/lib/portal.ts';
import { DeskSession as Session } from '../../client/src/lib/desk-session.ts';
import type { SharedMessage } from '../../protocol/shared-session.ts';
import { FakeLinkNet } from './fakes.ts';
import { ServerHarness } from './server-harness.ts';

const harness = new ServerHarness();
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) c();
  await harness.cleanup();
});

function until<T>(check: () => T | undefined | null | false, what: string, ms = 8000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = check();
      if (value) return resolve(value);
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

function portal(url: string): Portal {
  const p = new Portal(url);
  cleanups.push(() => p.destroy());
  return p;
}

/** A rep: a console socket (for offers, colleagues, invitations) and its box key. */
async function rep(url: string, name: string) {
  forgetDeskKeyPairInMemory(); // one key per console page; here two reps share one process
  const keys = deskKeyPair();
  const console = portal(url);
  let snapshot: DeskQueue | null = null;
  console.on('desk-queue', (s) => (snapshot = s));
  await console.connect();
  await console.desk.hello(keys.publicKey, { displayName: name });
  return { identity: { publicKey: keys.publicKey, displayName: name }, snapshot: () => snapshot };
}

function verified(session: Session): Promise<void> {
  return new Promise((resolve, reject) => {
    if (session.state === 'verified') return resolve();
    session.on('verified', () => resolve());
    session.on('failed', reject);
  });
}

describe('shared desk session over the real server', () => {
  it('invites, relays, keeps private lines from the customer, and transfers', async () => {
    const frames: string[] = [];
    const { url } = await harness.startServer({}, { onSocketFrame: (_id, frame) => frames.push(String(frame)) });

    const a = await rep(url, 'Hana');
    const b = await rep(url, 'Bo');

    // The customer asks; A accepts.
    const customerPortal = portal(url);
    await customerPortal.connect();
    const early: string[] = [];
    const stopEarly = customerPortal.on('relay', (d) => early.push(d));
    const { requestId } = await customerPortal.desk.request('general');
    const netCA = new FakeLinkNet();
    const customerSaw: { text: string; author?: string }[] = [];
    const customerShared: SharedMessage[] = [];
    let customer!: Session;
    const accepted = new Promise<void>((resolve) =>
      customerPortal.on('desk-accepted', (room) => {
        if (customer) return;
        stopEarly();
        customer = new Session({ role: 'customer', name: 'Ada', portal: customerPortal, createLink: netCA.createLink });
        customer.on('chat', (chat) => customerSaw.push({ text: chat.text, ...(chat.author ? { author: chat.author } : {}) }));
        customer.on('shared', (m) => customerShared.push(m));
        customer.joinFromDesk(room, early.splice(0));
        resolve();
      }),
    );
    const hostSession = new Session({ role: 'rep', name: 'Hana', portal: portal(url), createLink: netCA.createLink });
    await hostSession.startFromQueue(requestId, a.identity);
    await accepted;
    await Promise.all([verified(hostSession), verified(customer)]);
    const customerSid = (hostSession as unknown as { sid: Uint8Array }).sid;
    const sid = Buffer.from(customerSid).toString('base64url');

    // A's shared-session core, fed with what the customer says.
    const host = new SharedHost({ gate: new CustomerGate(hostSession), hostName: 'Hana', customerName: () => 'Ada', historyMinutes: 10 });
    const hostHeard: string[] = [];
    hostSession.on('chat', (chat) => {
      hostHeard.push(chat.text);
      host.customerSaid(chat);
    });
    customer.sendChat('my printer is offline');
    await until(() => hostHeard.length === 1, 'the customer line at the host');
    const hello = hostSession.sendChat('Let me ask a colleague');
    host.hostSaid(hello);
    await until(() => customerSaw.length === 1, 'the host line at the customer');

    // A invites B by name (from A's console's colleague list); B sees it and accepts.
    const bUsername = await until(() => a.snapshot()?.colleagues.find((c) => c.displayName === 'Bo')?.username, 'B among colleagues');
    const sent = await inviteColleague({ rep: a.identity, customerSid: sid, to: { username: bUsername }, transfer: true, serverUrl: url });
    cleanups.push(() => sent.cancel());
    const invitation = await until(() => b.snapshot()?.invitations.find((i) => i.inviteId === sent.inviteId), 'the invitation at B');
    expect(invitation).toMatchObject({ from: 'Hana', transfer: true });
    host.invited(sent.inviteId, 'Bo');

    const netAB = new FakeLinkNet();
    const joined = await acceptInvitation({ rep: b.identity, inviteId: sent.inviteId, serverUrl: url });
    cleanups.push(() => joined.portal.destroy());
    const answered = await sent.answered;
    expect(answered?.colleague).toBe('Bo');
    const hostLink = new Session({ role: 'rep', name: 'Hana', portal: answered!.portal, createLink: netAB.createLink });
    const bLink = new Session({ role: 'customer', name: 'Bo', portal: joined.portal, createLink: netAB.createLink });
    bLink.joinFromDesk(joined.room, joined.relays);
    hostLink.joinFromDesk(answered!.room, answered!.relays);
    await Promise.all([verified(hostLink), verified(bLink)]);
    expect(b.snapshot()?.invitations).toEqual([]);

    // B receives the recent history, then live lines.
    const guest = new SharedGuest({ send: (m) => bLink.sendPeer(m) }, 'Bo');
    bLink.on('shared', (m) => guest.receive(m));
    hostLink.on('shared', (m) => host.receive(sent.inviteId, m));
    host.joined(sent.inviteId, 'Bo', { send: (m) => hostLink.sendPeer(m) });
    await until(() => guest.lines.length === 2, 'history at B');
    expect(guest.lines.map((l) => [l.author.name, l.text, l.history])).toEqual([
      ['Ada', 'my printer is offline', true],
      ['Hana', 'Let me ask a colleague', true],
    ]);

    // B writes to the customer: the customer sees it under B's name.
    guest.say('Hi Ada, Bo here from printing', 'all');
    await until(() => customerSaw.some((m) => m.author === 'Bo'), 'B at the customer');

    // A's private line reaches B, never the customer.
    const secret = 'PRIVATE: customer is on the legacy plan';
    host.sayToReps(secret);
    guest.say('PRIVATE too: I will take it', 'reps');
    await until(() => guest.lines.some((l) => l.text === secret && l.to === 'reps'), 'the private line at B');
    customer.sendChat('thanks');
    await until(() => guest.lines.some((l) => l.text === 'thanks'), 'a later customer line at B');
    const customerLink = netCA.link('customer');
    const allCustomerGot = JSON.stringify([customerSaw, customerShared, customerLink.signals]);
    expect(allCustomerGot).not.toContain('PRIVATE');
    // What the customer's link delivered, as the sender sealed it: no private line either.
    expect(JSON.stringify(netCA.link('rep').sent)).not.toContain('PRIVATE');
    expect(frames.join('\n')).not.toContain('PRIVATE');

    // Transfer: A lets B take over; B takes the customer on a fresh socket.
    await sent.portal.desk.allowHandover(sid, sent.inviteId);
    host.handoverReady(sent.inviteId, sid, sent.inviteId);
    const ready = await new Promise<{ sid: string; inviteId: string }>((resolve) => guest.on('handover-ready', resolve));
    const netCB = new FakeLinkNet();
    let next!: Session;
    const handedOver = new Promise<DeskAccepted>((resolve) => customer.on('handed-over', resolve));
    const take = takeCustomer({ rep: b.identity, sid: ready.sid, inviteId: ready.inviteId, serverUrl: url });
    const moved = await handedOver;
    expect(moved.repName).toBe('Bo');
    const kept = customer.releasePortal();
    next = new Session({ role: 'customer', name: 'Ada', portal: kept, createLink: netCB.createLink });
    const afterTransfer: string[] = [];
    next.on('chat', (chat) => afterTransfer.push(chat.text));
    next.joinFromDesk(moved, []);
    const taken = await take;
    cleanups.push(() => taken.portal.destroy());
    const bCustomer = new Session({ role: 'rep', name: 'Bo', portal: taken.portal, createLink: netCB.createLink });
    bCustomer.joinFromDesk(taken.room, taken.relays);
    await Promise.all([verified(next), verified(bCustomer)]);
    expect(next.authenticated).toBe(false); // a new unauthenticated key agreement: "not verified" again

    // A leaves; the customer keeps chatting with B.
    hostLink.end();
    hostSession.end();
    bCustomer.sendChat('Still here, Ada?');
    await until(() => afterTransfer.includes('Still here, Ada?'), 'B at the customer after the transfer');
    const bHeard: string[] = [];
    bCustomer.on('chat', (chat) => bHeard.push(chat.text));
    next.sendChat('yes!');
    await until(() => bHeard.includes('yes!'), 'the customer at B after the transfer');
    expect(frames.join('\n')).not.toContain('PRIVATE');
    for (const s of [next, bCustomer, bLink]) s.destroy();
  });
});
