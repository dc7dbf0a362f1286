/**
 * The rep console's DeskClient and the customer's DeskRequest against a scripted portal: details
 * that do not open show as unavailable (never a crash), offers are announced once, details are
 * sealed for every rep key and again on `desk-seal-for`, and an acceptance hands the portal over
 * with the relays that came in meanwhile.
 */
import nacl from 'tweetnacl';
import { describe, expect, it, vi } from 'vitest';
import { toBase64Url } from '../../protocol/base64.ts';
import { openDetails, sealDetails, type CustomerDetails } from '../../protocol/customer-details.ts';
import type { DeskQueue } from '../../protocol/desk.ts';
import { DeskClient, type DeskEntry } from '../../client/src/lib/desk-client.svelte.ts';
import { DeskRequest, type DeskHandover } from '../../client/src/lib/desk-request.svelte.ts';
import { Emitter } from '../../client/src/lib/emitter.ts';
import type { Portal, PortalEvents } from '../../client/src/lib/portal.ts';

const REQ = (n: number) => String(n).padStart(22, 'r');
const ada: CustomerDetails = { name: 'Ada', description: 'It beeps', queue: 'general' };

class ScriptedPortal extends Emitter<PortalEvents> {
  readonly calls: { name: string; args: unknown[] }[] = [];
  answers: Record<string, unknown> = {};
  readonly desk = new Proxy({} as Record<string, (...args: unknown[]) => Promise<unknown>>, {
    get: (_t, name: string) => async (...args: unknown[]) => {
      this.calls.push({ name, args });
      const answer = this.answers[name];
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });
  async connect(): Promise<void> {}
  destroyed = false;
  destroy(): void {
    this.destroyed = true;
  }
  fire<K extends keyof PortalEvents>(event: K, payload: PortalEvents[K]): void {
    this.emit(event, payload);
  }
}

function snapshot(entries: DeskQueue['entries']): DeskQueue {
  return { now: Date.now() + 5000, presence: 'available', entries, invitations: [], colleagues: [] };
}

/** A console's desk client connected through a scripted portal (key id 'k1'), recording the offers it announces. */
async function connectedDesk() {
  const keys = nacl.box.keyPair();
  const portal = new ScriptedPortal();
  portal.answers.hello = 'k1';
  const offers: DeskEntry[] = [];
  const desk = new DeskClient({ portal: portal as unknown as Portal, keys, onOffer: (e) => offers.push(e) });
  await desk.connect();
  return { keys, portal, offers, desk };
}

describe('DeskClient', () => {
  it('opens details sealed for its key; a tampered or foreign blob shows as unavailable; offers are announced once', async () => {
    const { keys, portal, offers, desk } = await connectedDesk();
    expect(desk.keyId).toBe('k1');
    const good = sealDetails(ada, keys.publicKey);
    const foreign = sealDetails(ada, nacl.box.keyPair().publicKey);
    const tampered = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const base = { queue: 'general', since: 1, offered: false };
    portal.fire('desk-queue', snapshot([
      { ...base, requestId: REQ(1), position: 1, details: good, offered: true, offerExpiresAt: 9 },
      { ...base, requestId: REQ(2), position: 2, details: foreign },
      { ...base, requestId: REQ(3), position: 3, details: tampered },
      { ...base, requestId: REQ(4), position: 4, details: 'not base64!' },
      { ...base, requestId: REQ(5), position: 5 },
    ]));
    expect(desk.entries.map((e) => [e.customer?.name ?? null, e.detailsUnavailable])).toEqual([
      ['Ada', false],
      [null, true],
      [null, true],
      [null, true],
      [null, false], // not sealed for us yet: no claim that they are unavailable
    ]);
    expect(offers.map((o) => o.requestId)).toEqual([REQ(1)]);
    expect(desk.clockOffsetMs).toBeGreaterThan(4000);
    portal.fire('desk-queue', snapshot([{ ...base, requestId: REQ(1), position: 1, details: good, offered: true }]));
    expect(offers).toHaveLength(1); // the same offer again is not a new one
    expect(desk.offers.map((o) => o.requestId)).toEqual([REQ(1)]);
  });

  it('an offer whose details are not sealed yet is announced once they arrive, or after a short wait without them', async () => {
    vi.useFakeTimers();
    try {
      const { keys, portal, offers, desk } = await connectedDesk();
      const base = { queue: 'general', since: 1, offered: true, offerExpiresAt: 9 };
      portal.fire('desk-queue', snapshot([{ ...base, requestId: REQ(1), position: 1 }, { ...base, requestId: REQ(2), position: 2 }]));
      expect(offers).toEqual([]);
      // REQ(1)'s details come within the wait: announced with the customer's name.
      portal.fire('desk-queue', snapshot([{ ...base, requestId: REQ(1), position: 1, details: sealDetails(ada, keys.publicKey) }, { ...base, requestId: REQ(2), position: 2 }]));
      expect(offers.map((o) => o.customer?.name)).toEqual(['Ada']);
      // REQ(2)'s never come: announced anyway (a rep must hear of an offer), once.
      vi.advanceTimersByTime(2000);
      expect(offers.map((o) => o.requestId)).toEqual([REQ(1), REQ(2)]);
      vi.advanceTimersByTime(5000);
      expect(offers).toHaveLength(2);
      desk.destroy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a refused request keeps its error for the console', async () => {
    const portal = new ScriptedPortal();
    portal.answers.hello = 'k1';
    const desk = new DeskClient({ portal: portal as unknown as Portal, keys: nacl.box.keyPair() });
    await desk.connect();
    const { ParleyError } = await import('../../protocol/errors.ts');
    portal.answers.reject = new ParleyError('REQUEST_GONE');
    await expect(desk.reject(REQ(1))).rejects.toMatchObject({ code: 'REQUEST_GONE' });
    expect(desk.error?.code).toBe('REQUEST_GONE');
  });
});

describe('DeskRequest', () => {
  it('seals for every rep key and for new ones, follows its position, and hands the portal over on acceptance', async () => {
    const reps = [nacl.box.keyPair(), nacl.box.keyPair()];
    const portal = new ScriptedPortal();
    const repKeys = reps.map((k, i) => ({ keyId: `k${i}`, publicKey: toBase64Url(k.publicKey) }));
    portal.answers.request = { requestId: REQ(1), requestToken: REQ(9), repKeys };
    let handover: DeskHandover | null = null;
    const request = new DeskRequest({ portal: portal as unknown as Portal, onAccepted: (h) => (handover = h) });
    await request.start('general', ada);
    expect(request.ticket).toEqual({ requestId: REQ(1), requestToken: REQ(9) });
    const sealed = portal.calls.find((c) => c.name === 'details')?.args[1] as { keyId: string; data: string }[];
    expect(sealed.map((s, i) => openDetails(s.data, reps[i]!.secretKey).name)).toEqual(['Ada', 'Ada']);

    const late = nacl.box.keyPair();
    portal.fire('desk-seal-for', { requestId: REQ(1), repKeys: [{ keyId: 'k9', publicKey: toBase64Url(late.publicKey) }] });
    await Promise.resolve();
    const more = portal.calls.filter((c) => c.name === 'details').at(-1)?.args[1] as { keyId: string; data: string }[];
    expect(openDetails(more[0]!.data, late.secretKey).description).toBe('It beeps');

    portal.fire('desk-waiting', { requestId: REQ(2), position: 9, waitSeconds: 1, repsAvailable: 1 }); // not ours
    portal.fire('desk-waiting', { requestId: REQ(1), position: 2, waitSeconds: 120, repsAvailable: 3 });
    expect([request.position, request.waitSeconds, request.repsAvailable]).toEqual([2, 120, 3]);

    const accepted = { requestId: REQ(1), sid: 'S'.repeat(43), repName: 'Ann', iceServers: [] };
    portal.fire('desk-accepted', accepted);
    portal.fire('relay', 'cGFrZQ');
    expect(request.phase).toBe('accepted');
    expect(handover).not.toBeNull();
    const h = handover as unknown as DeskHandover;
    expect(h.takeRelays()).toEqual(['cGFrZQ']);
    request.destroy();
    expect(portal.destroyed).toBe(false); // the session owns it now
  });

  it('orphaned, and a request the server refuses, say so', async () => {
    const portal = new ScriptedPortal();
    portal.answers.request = { requestId: REQ(1), requestToken: REQ(9), repKeys: [] };
    const request = new DeskRequest({ portal: portal as unknown as Portal });
    await request.start('general', ada);
    portal.fire('desk-orphaned', { requestId: REQ(1) });
    expect(request.phase).toBe('orphaned');

    const { ParleyError } = await import('../../protocol/errors.ts');
    const refused = new ScriptedPortal();
    refused.answers.request = new ParleyError('UNKNOWN_QUEUE');
    const other = new DeskRequest({ portal: refused as unknown as Portal });
    await expect(other.start('nope', ada)).rejects.toMatchObject({ code: 'UNKNOWN_QUEUE' });
    expect(other.phase).toBe('failed');
  });
});
