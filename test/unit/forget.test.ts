import { describe, expect, it } from 'vitest';
import { PREFERENCE_KEYS, forgetStoredSessionData, isPreferenceKey } from '../../client/src/lib/forget.ts';
import { MemoryStorage } from './helpers.ts';


describe('forgetStoredSessionData', () => {
  it('removes session data from both storages and keeps preferences', () => {
    const session = new MemoryStorage({ 'parley.draft': 'hello', 'parley.pref.fontSize': 'large', other: 'x' });
    const local = new MemoryStorage({ 'parley.locale': 'fr', 'parley.rep.name': 'Sam', 'parley.pending': '{}', 'parley.pref.theme': 'dark', a: '1', b: '2' });
    forgetStoredSessionData(() => [session, local]);
    expect(session.entries()).toEqual({ 'parley.pref.fontSize': 'large' });
    expect(local.entries()).toEqual({ 'parley.locale': 'fr', 'parley.rep.name': 'Sam', 'parley.pref.theme': 'dark' });
  });

  it('knows the preferences the app keeps today', () => {
    expect([...PREFERENCE_KEYS]).toEqual(['parley.locale', 'parley.rep.name', 'parley.customer.textSize', 'parley.rep.textSize', 'parley.notifications.asked']);
    expect(isPreferenceKey('parley.pref.anything')).toBe(true);
    expect(isPreferenceKey('parley.preferences')).toBe(false);
    expect(isPreferenceKey('parley.transcript')).toBe(false);
  });

  it('survives blocked storage, and one failing storage does not spare the other', () => {
    expect(() =>
      forgetStoredSessionData(() => {
        throw new DOMException('blocked', 'SecurityError');
      }),
    ).not.toThrow();
    const broken = new MemoryStorage({ x: '1' });
    broken.removeItem = () => {
      throw new Error('quota');
    };
    const local = new MemoryStorage({ 'parley.pending': '1' });
    forgetStoredSessionData(() => [broken, local]);
    expect(local.entries()).toEqual({});
  });
});
