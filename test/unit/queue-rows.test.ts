/**
 * The queue list's rows (client/src/lib/queue-rows.ts): waits and countdowns on the server's
 * clock, offered chats first, "details unavailable" when the sealed details did not open, and
 * each offer rings once.
 */
import { describe, expect, it } from 'vitest';
import { clockOffset, newOffers, queueRows, type OpenedEntry } from '../../client/src/lib/queue-rows.ts';

const id = (n: number) => String(n).padStart(22, 'A');
const SERVER_NOW = 10_000_000;
const entry = (n: number, patch: Partial<OpenedEntry> = {}): OpenedEntry => ({
  requestId: id(n),
  queue: 'general',
  since: SERVER_NOW - n * 60_000,
  position: n,
  offered: false,
  customer: { name: `Customer ${n}`, description: `Problem ${n}`, queue: 'general' },
  ...patch,
});
const names = new Map([['general', 'General support']]);

describe('queueRows', () => {
  it('measures waits and countdowns on the server clock, whatever our clock says', () => {
    const localNow = 3_000; // a local clock far off the server's
    const offset = clockOffset(SERVER_NOW, localNow);
    const rows = queueRows([entry(2, { offered: true, offerExpiresAt: SERVER_NOW + 14_500 })], offset, localNow + 1_000, names);
    expect(rows[0]).toMatchObject({ waitingSeconds: 121, offerSecondsLeft: 14, queueName: 'General support', name: 'Customer 2', problem: 'Problem 2' });
  });

  it('lists offered chats first, then the longest waiting', () => {
    const rows = queueRows([entry(1), entry(3), entry(2, { offered: true, offerExpiresAt: SERVER_NOW + 5_000 })], 0, SERVER_NOW, names);
    expect(rows.map((r) => r.position)).toEqual([2, 3, 1]);
  });

  it('shows no name or problem when the details are unavailable, and the queue id when it has no name', () => {
    const [row] = queueRows([entry(1, { customer: null, detailsUnavailable: true, queue: 'billing' })], 0, SERVER_NOW, names);
    expect(row).toMatchObject({ name: null, problem: null, queueName: 'billing', detailsPending: false });
    // Not sealed for this console yet: on the way, not "unavailable".
    const [pending] = queueRows([entry(2, { customer: null, detailsUnavailable: false })], 0, SERVER_NOW, names);
    expect(pending).toMatchObject({ name: null, detailsPending: true });
  });

  it('never shows negative waits or countdowns', () => {
    const [row] = queueRows([entry(1, { since: SERVER_NOW + 5_000, offered: true, offerExpiresAt: SERVER_NOW - 1 })], 0, SERVER_NOW, names);
    expect(row).toMatchObject({ waitingSeconds: 0, offerSecondsLeft: 0 });
  });
});

describe('newOffers', () => {
  it('returns offers not seen in the previous snapshot only', () => {
    const entries = [entry(1, { offered: true }), entry(2), entry(3, { offered: true })];
    expect(newOffers(new Set([id(1)]), entries).map((e) => e.requestId)).toEqual([id(3)]);
  });
});
