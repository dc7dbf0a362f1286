import { describe, expect, it } from 'vitest';
import { MAX_OUTBOX, MAX_SEEN_IDS, MAX_UNACKED, Outbox } from '../../client/src/lib/outbox.ts';
import { PeerType, type Chat } from '../../protocol/peer.ts';

const chat = (id: string): Chat => ({ type: PeerType.Chat, id: `msg_${id}`, text: id, sentAt: 1 });

describe('Outbox: sender side', () => {
  it('a pending message is due on the next link, in order, and is no longer pending once sent', () => {
    const box = new Outbox();
    box.add(chat('a'), null);
    box.add(chat('b'), null);
    expect(box.isPending('msg_a')).toBe(true);
    expect(box.due(0).map((c) => c.id)).toEqual(['msg_a', 'msg_b']);
    expect(box.sent('msg_a', 0)).toBe(true);
    expect(box.sent('msg_b', 0)).toBe(true);
    expect(box.isPending('msg_a')).toBe(false);
    expect(box.due(0)).toEqual([]);
  });

  it('an unacknowledged message sent on one link is due again on the next, but not on the same one', () => {
    const box = new Outbox();
    box.add(chat('a'), 3);
    expect(box.due(3)).toEqual([]); // an ICE restart keeps the channel, which retransmits itself
    expect(box.due(4).map((c) => c.id)).toEqual(['msg_a']);
    expect(box.sent('msg_a', 4)).toBe(false); // it was not pending, only resent
  });

  it('an acknowledged message is never due again; an unknown ack changes nothing', () => {
    const box = new Outbox();
    box.add(chat('a'), 0);
    box.add(chat('b'), 0);
    expect(box.acknowledged('msg_a')).toBe(true);
    expect(box.acknowledged('msg_a')).toBe(false);
    expect(box.acknowledged('msg_zzz')).toBe(false);
    expect(box.due(1).map((c) => c.id)).toEqual(['msg_b']);
    expect(box.unacknowledged().map((c) => c.id)).toEqual(['msg_b']);
  });

  it('is full at MAX_OUTBOX messages waiting for a link; sent ones do not count', () => {
    const box = new Outbox();
    for (let i = 0; i < 3 * MAX_OUTBOX; i++) box.add(chat(`sent${i}`), 0);
    for (let i = 0; i < MAX_OUTBOX - 1; i++) box.add(chat(String(i)), null);
    expect(box.full).toBe(false);
    box.add(chat('last'), null);
    expect(box.full).toBe(true);
    box.acknowledged('msg_0');
    expect(box.full).toBe(false);
  });

  it('a peer that never acknowledges cannot make it grow past MAX_UNACKED: the oldest sent go first, pending never', () => {
    const box = new Outbox();
    box.add(chat('waiting'), null);
    for (let i = 0; i < MAX_UNACKED + 50; i++) box.add(chat(`s${i}`), 0);
    expect(box.size).toBe(MAX_UNACKED);
    expect(box.isPending('msg_waiting')).toBe(true);
    const kept = box.unacknowledged().map((c) => c.id);
    expect(kept).not.toContain('msg_s0');
    expect(kept.at(-1)).toBe(`msg_s${MAX_UNACKED + 49}`);
  });
});

describe('Outbox: receiver side', () => {
  it('an id is new once; repeats are recognised', () => {
    const box = new Outbox();
    expect(box.firstSight('msg_a')).toBe(true);
    expect(box.firstSight('msg_a')).toBe(false);
    expect(box.firstSight('msg_b')).toBe(true);
  });

  it('ids remembered from a stored transcript count as seen', () => {
    const box = new Outbox();
    box.remember(['msg_a', 'msg_b']);
    expect(box.firstSight('msg_b')).toBe(false);
  });

  it('remembers at most MAX_SEEN_IDS ids, forgetting the oldest first (memory stays bounded)', () => {
    const box = new Outbox();
    for (let i = 0; i <= MAX_SEEN_IDS; i++) box.firstSight(`msg_${i}`);
    expect(box.firstSight(`msg_${MAX_SEEN_IDS}`)).toBe(false);
    expect(box.firstSight('msg_0')).toBe(true); // forgotten: it was the oldest
  });
});
