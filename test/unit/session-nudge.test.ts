/**
 * Nudges through a real Session pair (in-memory server and link from fakes.ts, real keys and
 * sealing, as in session.test.ts): only a rep may nudge, the sender keeps the cooldown, and the
 * receiver enforces it too, so a flood from a modified peer acts once per window and warns once.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NudgeCooldown, NudgeGate } from '../../client/src/lib/nudge.ts';
import type { Portal } from '../../client/src/lib/portal.ts';
import { Session } from '../../client/src/lib/session.ts';
import type { ParleyError } from '../../protocol/errors.ts';
import { NUDGE_COOLDOWN_MS, NUDGE_RECEIVER_WINDOW_MS, PeerType } from '../../protocol/peer.ts';
import { FakeLinkNet, FakeSignalingServer, settle } from './fakes.ts';

const live: Session[] = [];

afterEach(() => {
  vi.useRealTimers();
  for (const session of live.splice(0)) session.destroy();
});

/** A verified rep/customer pair, with what each emitted about nudges. */
async function pair() {
  const server = new FakeSignalingServer();
  const net = new FakeLinkNet();
  const make = (role: 'rep' | 'customer', name: string) =>
    new Session({ role, name, portal: server.portal(role) as unknown as Portal, createLink: net.createLink, origin: 'https://x' });
  const rep = make('rep', 'Alex');
  const customer = make('customer', 'Ada');
  live.push(rep, customer);
  const seen = { repNudges: 0, customerNudges: 0, repWarnings: [] as ParleyError[], customerWarnings: [] as ParleyError[] };
  rep.on('nudge', () => seen.repNudges++);
  customer.on('nudge', () => seen.customerNudges++);
  rep.on('warning', (err) => seen.repWarnings.push(err));
  customer.on('warning', (err) => seen.customerWarnings.push(err));
  await customer.join(await rep.start());
  await settle();
  expect(rep.state).toBe('verified');
  expect(customer.state).toBe('verified');
  return { net, rep, customer, seen };
}

describe('Session: nudge', () => {
  it('a rep nudges the customer, then must wait the cooldown', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t = await pair();
    const readyAt = t.rep.nudge();
    expect(readyAt).toBe(Date.now() + NUDGE_COOLDOWN_MS);
    await settle();
    expect(t.seen.customerNudges).toBe(1);
    expect(t.net.link('rep').sent.at(-1)).toEqual({ type: 'nudge' });

    vi.advanceTimersByTime(NUDGE_COOLDOWN_MS - 1);
    const sentBefore = t.net.link('rep').sent.length;
    expect(() => t.rep.nudge()).toThrow(expect.objectContaining({ code: 'NUDGE_TOO_SOON' }));
    expect(t.net.link('rep').sent.length).toBe(sentBefore); // nothing went out

    vi.advanceTimersByTime(1);
    t.rep.nudge();
    await settle();
    expect(t.seen.customerNudges).toBe(2);
    expect(t.seen.customerWarnings).toEqual([]);
    expect(t.customer.state).toBe('verified');
  });

  it('only a rep may nudge: the customer cannot send one, and one arriving at a rep is rejected with a warning', async () => {
    const t = await pair();
    expect(() => t.customer.nudge()).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    // A modified customer page sends one anyway.
    t.net.link('customer').send({ type: PeerType.Nudge });
    await settle();
    expect(t.seen.repNudges).toBe(0);
    expect(t.seen.repWarnings.map((w) => [w.code, w.message])).toEqual([['MALFORMED', 'nudge to a rep']]);
    expect(t.rep.state).toBe('verified');
  });

  it('the customer enforces the cooldown itself: a flood acts once per window and warns once per window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t = await pair();
    const flood = async (count: number) => {
      for (let i = 0; i < count; i++) t.net.link('rep').send({ type: PeerType.Nudge }); // bypasses the sender's cooldown
      await settle();
    };
    await flood(50);
    expect(t.seen.customerNudges).toBe(1);
    expect(t.seen.customerWarnings.map((w) => w.code)).toEqual(['NUDGE_TOO_SOON']);

    vi.advanceTimersByTime(NUDGE_RECEIVER_WINDOW_MS - 1);
    await flood(50);
    expect(t.seen.customerNudges).toBe(1);
    expect(t.seen.customerWarnings).toHaveLength(1);

    // A new window: one more nudge acts; the session's own warning limit (10 s per code) holds the log.
    vi.advanceTimersByTime(1);
    await flood(50);
    expect(t.seen.customerNudges).toBe(2);
    expect(t.seen.customerWarnings).toHaveLength(1);
    vi.advanceTimersByTime(10_000);
    await flood(50);
    expect(t.seen.customerNudges).toBe(3);
    expect(t.seen.customerWarnings.map((w) => w.code)).toEqual(['NUDGE_TOO_SOON', 'NUDGE_TOO_SOON']);
    expect(t.customer.state).toBe('verified');
  });

  it('a nudge sent exactly on the cooldown is never swallowed by the receiver, even when it arrives early', () => {
    // Jitter: the first nudge was delayed, the second was not, so they arrive closer than 5 s.
    const gate = new NudgeGate();
    expect(gate.receive(1_000)).toBe('act');
    expect(gate.receive(1_000 + NUDGE_COOLDOWN_MS - 900)).toBe('act');
  });

  it('nudge before verification or after the end throws PEER_GONE', async () => {
    const t = await pair();
    t.rep.end();
    expect(() => t.rep.nudge()).toThrow(expect.objectContaining({ code: 'PEER_GONE' }));
    const early = new Session({ role: 'rep', name: 'x', portal: new FakeSignalingServer().portal('rep') as unknown as Portal });
    live.push(early);
    expect(() => early.nudge()).toThrow(expect.objectContaining({ code: 'PEER_GONE' }));
  });
});

describe('NudgeCooldown and NudgeGate', () => {
  it('the sender refuses inside the cooldown without consuming it', () => {
    const cooldown = new NudgeCooldown(5_000);
    expect(cooldown.take(0)).toBe(5_000);
    expect(() => cooldown.take(4_999)).toThrow(expect.objectContaining({ code: 'NUDGE_TOO_SOON' }));
    expect(cooldown.take(5_000)).toBe(10_000);
  });

  it('the receiver acts once per window, warns once, then ignores quietly', () => {
    const gate = new NudgeGate(4_000);
    expect([0, 1, 2, 3_999].map((at) => gate.receive(at))).toEqual(['act', 'warn', 'ignore', 'ignore']);
    expect([4_000, 4_001, 4_002, 8_000].map((at) => gate.receive(at))).toEqual(['act', 'warn', 'ignore', 'act']);
  });
});
