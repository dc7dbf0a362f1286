/**
 * Receiving-side flood control (client/src/lib/peer-flood.ts) and its use in the inbox: a peer
 * flooding one message type gets that type dropped past the bucket, with warnings (which the
 * Session shows at most once per code every 10 s), while other types still go through.
 */
import { describe, expect, it } from 'vitest';
import { NudgeGate } from '../../client/src/lib/nudge.ts';
import { PEER_FLOOD_RULES, PeerFloodGuard, TokenBucket } from '../../client/src/lib/peer-flood.ts';
import { routePeerMessage, type Inbox } from '../../client/src/lib/peer-inbox.ts';
import type { ParleyError } from '../../protocol/errors.ts';
import type { PeerMessage } from '../../protocol/peer.ts';

describe('TokenBucket', () => {
  it('allows a burst of `capacity`, then refills at `perSecond`', () => {
    const bucket = new TokenBucket({ capacity: 3, perSecond: 2 });
    expect([1, 2, 3, 4].map(() => bucket.take(1000))).toEqual([true, true, true, false]);
    expect(bucket.take(1499)).toBe(false); // 0.998 of a token
    expect(bucket.take(1500)).toBe(true);
    expect(bucket.take(1500)).toBe(false);
    // A long pause refills to the capacity, never beyond.
    expect([1, 2, 3, 4].map(() => bucket.take(60_000))).toEqual([true, true, true, false]);
  });

  it('a clock that goes backwards gives nothing back', () => {
    const bucket = new TokenBucket({ capacity: 1, perSecond: 1 });
    expect(bucket.take(10_000)).toBe(true);
    expect(bucket.take(5_000)).toBe(false);
    expect(bucket.take(10_500)).toBe(false);
    expect(bucket.take(11_000)).toBe(true);
  });
});

describe('PeerFloodGuard', () => {
  it('limits each type on its own bucket', () => {
    const guard = new PeerFloodGuard();
    const chats = Array.from({ length: 1000 }, () => guard.allow('chat', 0)).filter(Boolean).length;
    expect(chats).toBe(PEER_FLOOD_RULES.chat!.capacity);
    expect(guard.allow('typing', 0)).toBe(true); // another type is untouched
    expect(guard.allow('chat', 1000)).toBe(true); // refilled
  });

  it('file control messages share one generous bucket; offers have their own small one', () => {
    const guard = new PeerFloodGuard();
    const offers = Array.from({ length: 100 }, () => guard.allow('file-offer', 0)).filter(Boolean).length;
    expect(offers).toBe(PEER_FLOOD_RULES['file-offer']!.capacity);
    const acks = Array.from({ length: 1000 }, (_, i) => guard.allow(i % 2 ? 'file-ack' : 'file-accept', 0)).filter(Boolean).length;
    expect(acks).toBe(PEER_FLOOD_RULES.file!.capacity);
  });

  it('never limits hello, bye, nudge (NudgeGate does), fp-proof or rtc-signal; unknown names share one bucket (no growth per name)', () => {
    const guard = new PeerFloodGuard();
    for (let i = 0; i < 1000; i++) expect(guard.allow('bye', 0) && guard.allow('hello', 0) && guard.allow('nudge', 0)).toBe(true);
    const odd = Array.from({ length: 1000 }, (_, i) => guard.allow(`x-${i}`, 0)).filter(Boolean).length;
    expect(odd).toBe(PEER_FLOOD_RULES.other!.capacity);
  });
});

describe('routePeerMessage under a flood', () => {
  function inbox(role: 'rep' | 'customer') {
    const emitted: string[] = [];
    const warnings: ParleyError[] = [];
    const box: Inbox = {
      role,
      emit: (event) => void emitted.push(event),
      warn: (err) => void warnings.push(err),
      fail: (step) => step(),
      peerGone: () => undefined,
      peerAway: () => undefined,
      nudgesIn: new NudgeGate(),
    };
    return { box, emitted, warnings };
  }

  it('1 000 chats at once: the first 100 are handled, the rest dropped as PEER_FLOODING; acks still pass', () => {
    const { box, emitted, warnings } = inbox('rep');
    for (let i = 0; i < 1000; i++) routePeerMessage(box, { type: 'chat', id: `id_${String(i).padStart(6, '0')}`, text: 'spam', sentAt: 0 } as PeerMessage);
    expect(emitted.filter((e) => e === 'chat')).toHaveLength(PEER_FLOOD_RULES.chat!.capacity);
    expect(warnings).toHaveLength(1000 - PEER_FLOOD_RULES.chat!.capacity);
    expect(new Set(warnings.map((w) => w.code))).toEqual(new Set(['PEER_FLOODING']));
    routePeerMessage(box, { type: 'ack', id: 'abcdefgh' });
    expect(emitted.at(-1)).toBe('ack');
  });

  it('a url-push flood on a customer opens at most 5 pages', () => {
    const { box, emitted } = inbox('customer');
    for (let i = 0; i < 200; i++) routePeerMessage(box, { type: 'url-push', id: 'abcdefgh', url: 'https://example.com/' });
    expect(emitted.filter((e) => e === 'url-push')).toHaveLength(5);
  });
});
