/**
 * Hostile relay, unit level (fakes.ts): a server that drops the key confirmations or hands
 * each side its own PAKE share. Both sides must fail with a security error, never verify.
 * (Tampered, replayed, duplicated and forged relays are covered in session.test.ts.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Portal } from '../../client/src/lib/portal.ts';
import { Session } from '../../client/src/lib/session.ts';
import type { Role } from '../../protocol/cpace.ts';
import { RelayKind } from '../../protocol/envelope.ts';
import { ParleyError, SECURITY_ERRORS, type ErrorCode } from '../../protocol/errors.ts';
import { FakeLinkNet, FakeSignalingServer, kindOf, settle } from './fakes.ts';

const live: Session[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const session of live.splice(0)) session.destroy();
});

function setup() {
  const server = new FakeSignalingServer();
  const net = new FakeLinkNet();
  const outcome: Partial<Record<Role, { verified: boolean; failed: ErrorCode[] }>> = {};
  const make = (role: Role) => {
    const session = new Session({ role, name: role, portal: server.portal(role) as unknown as Portal, createLink: net.createLink, origin: 'https://x' });
    const seen = { verified: false, failed: [] as ErrorCode[] };
    outcome[role] = seen;
    session.on('verified', () => (seen.verified = true));
    session.on('failed', (err: ParleyError) => seen.failed.push(err.code));
    live.push(session);
    return session;
  };
  return { server, rep: make('rep'), customer: make('customer'), outcome: outcome as Record<Role, { verified: boolean; failed: ErrorCode[] }> };
}

describe('Session against a hostile relay', () => {
  it('dropped key confirmations: both sides time out with BAD_KEY, the room is burned, nobody verifies', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = setup();
    t.server.intercept = (p) => (kindOf(p.data) === RelayKind.Confirm ? [] : [p.data]);
    await t.customer.join(await t.rep.start());
    await settle();
    expect(t.rep.state).toBe('pake');
    expect(t.customer.state).toBe('pake');
    vi.advanceTimersByTime(20_000);
    await settle();
    for (const role of ['rep', 'customer'] as const) {
      expect(t.outcome[role].verified).toBe(false);
      expect(t.outcome[role].failed).toHaveLength(1);
      expect(SECURITY_ERRORS.has(t.outcome[role].failed[0]!)).toBe(true);
    }
    expect(t.outcome.rep.failed[0]).toBe('BAD_KEY'); // the rep is warned that someone may have tried a wrong code
    expect(t.server.closed).toBe('ROOM_BURNED');
  });

  it('PAKE shares swapped (each side gets its own back): both fail with BAD_KEY at once', async () => {
    const t = setup();
    t.server.intercept = (p) => {
      if (kindOf(p.data) !== RelayKind.Pake) return [p.data];
      t.server.inject(p.from, p.data); // reflected to its sender…
      return []; // …instead of reaching the other side
    };
    await t.customer.join(await t.rep.start()).catch(() => undefined);
    await settle();
    expect(t.outcome.rep).toEqual({ verified: false, failed: ['BAD_KEY'] });
    expect(t.outcome.customer.verified).toBe(false);
    expect(['BAD_KEY', 'ROOM_BURNED']).toContain(t.outcome.customer.failed[0]);
    expect(t.server.badKeyReports[0]).toBeDefined();
  });
});
