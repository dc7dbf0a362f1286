/**
 * The export's fast paths give exactly what the plain ones gave: times formatted once per
 * minute, Markdown times without Date strings per row, and a report gathered from the log the
 * view holds instead of reading it back from storage.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { gatherReport } from '../../client/src/lib/report/gather.ts';
import { formatDay, formatTime, iso, utcSeconds } from '../../client/src/lib/report/model.ts';
import { TranscriptStore, type SessionRecord, type TranscriptEvent } from '../../client/src/lib/transcript.ts';

const ZONES = [undefined, 'UTC', 'Europe/Paris', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham', 'Not/AZone'];
// Years 1900–2100, whole minutes offsets since then everywhere.
const times = fc.integer({ min: -2_208_988_800_000, max: 4_102_444_800_000 });

describe('report times', () => {
  it('formatTime and formatDay match Intl for any time, zone and locale', () => {
    fc.assert(
      fc.property(times, fc.constantFrom(...ZONES), fc.constantFrom('en' as const, 'fr' as const), (ms, timeZone, locale) => {
        const zone = timeZone === 'Not/AZone' ? 'UTC' : timeZone;
        const plain = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: zone }).format(ms);
        const day = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeZone: zone }).format(ms);
        expect(formatTime(ms, locale, timeZone)).toBe(plain);
        expect(formatDay(ms, locale, timeZone)).toBe(day);
      }),
      { numRuns: 2000 },
    );
  });

  it('utcSeconds is the ISO time to the second, with a space', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(utcSeconds(ms)).toBe(iso(ms)!.replace('T', ' ').replace(/\.\d+Z$/, 'Z'));
      }),
      { numRuns: 2000 },
    );
  });

  it('iso is Date.toISOString for every representable time, fractions of a ms included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true })), (ms) => {
        expect(iso(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5000 },
    );
    expect(iso(-1)).toBe('1969-12-31T23:59:59.999Z');
    expect(iso(-0.5)).toBe(new Date(-0.5).toISOString());
  });

  it('an unrepresentable time has no text', () => {
    for (const ms of [Number.NaN, 8.64e15 + 1, Infinity]) {
      expect(iso(ms)).toBeUndefined();
      expect(formatTime(ms, 'en')).toBeUndefined();
      expect(formatDay(ms, 'en')).toBeUndefined();
      expect(utcSeconds(ms)).toBeUndefined();
    }
  });
});

describe('gatherReport with the whole log in memory', () => {
  const record: SessionRecord = { id: 's1', role: 'rep', startedAt: 1, ownName: 'Rep' };
  const log: TranscriptEvent[] = [{ sessionId: 's1', seq: 0, at: 2, kind: 'chat', id: 'a', from: 'rep', name: 'Rep', text: 'on screen' }];

  it('uses the log it is given and does not read it back', async () => {
    const store = new TranscriptStore(`speed-${Date.now()}`);
    const events = vi.spyOn(store, 'events');
    const input = await gatherReport(store, record, 'en', log, log);
    expect(events).not.toHaveBeenCalled();
    expect(input.events).toEqual(log);
    expect(input.events).not.toBe(log); // a copy: the view's array is not the report's
  });

  it('reads the stored log when the view does not hold all of it', async () => {
    const store = new TranscriptStore(`speed-${Date.now()}-2`);
    await store.putSession(record);
    await store.append('s1', { kind: 'chat', id: 'b', from: 'customer', name: 'Ada', text: 'stored', at: 3 });
    const input = await gatherReport(store, record, 'en', log);
    expect(input.events.map((e) => (e.kind === 'chat' ? e.text : ''))).toEqual(['stored']);
  });
});
