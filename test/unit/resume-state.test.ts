import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearResumeState, loadRepResumeStates, loadResumeState, saveResumeState, saveSnapshot, savedKeys, type ResumeState } from '../../client/src/lib/resume-state.ts';
import { MemoryStorage } from './helpers.ts';


const state: ResumeState = {
  v: 1,
  role: 'customer',
  sid: 'A'.repeat(43),
  isk: 'B'.repeat(86),
  epoch: 3,
  recordId: '255c07a6-673e-47ae-9569-489b39b9b998',
  savedAt: 1795413205603,
};

describe('resume state (sessionStorage)', () => {
  let storage: MemoryStorage;
  beforeEach(() => {
    storage = new MemoryStorage();
    vi.stubGlobal('sessionStorage', storage);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('a desk session not yet confirmed stays "not verified" across a reload; a code session is authenticated', () => {
    const keys = { sid: new Uint8Array(32).fill(1), isk: new Uint8Array(64).fill(2), epoch: 3 };
    saveSnapshot('rep', { ...keys, authenticated: false }, 'rec-1');
    expect(savedKeys(loadRepResumeStates().find((r) => r.recordId === 'rec-1')!).authenticated).toBe(false);
    saveSnapshot('rep', { ...keys, authenticated: true }, 'rec-1');
    expect(savedKeys(loadRepResumeStates().find((r) => r.recordId === 'rec-1')!).authenticated).toBe(true);
    saveSnapshot('customer', keys, 'rec-2');
    expect(savedKeys(loadResumeState('customer')!).authenticated).toBe(true);
  });

  it('round-trips what a reload needs, per role', () => {
    saveResumeState(state);
    expect(loadResumeState('customer')).toEqual(state);
    expect(loadResumeState('rep')).toBeNull();
    clearResumeState('customer');
    expect(loadResumeState('customer')).toBeNull();
  });

  it.each([
    ['not JSON', '{oops'],
    ['a 32-byte key (the ISK is 64 bytes)', JSON.stringify({ ...state, isk: 'B'.repeat(43) })],
    ['a negative epoch', JSON.stringify({ ...state, epoch: -1 })],
    ['another version', JSON.stringify({ ...state, v: 2 })],
    ['the other role under this role’s key', JSON.stringify({ ...state, role: 'rep' })],
    ['a sid with characters outside base64url', JSON.stringify({ ...state, sid: '/'.repeat(43) })],
  ])('a damaged entry (%s) is ignored and removed', (_what, raw) => {
    storage.setItem('parley-resume-customer', raw);
    expect(loadResumeState('customer')).toBeNull();
    expect(storage.length).toBe(0);
  });

  it('storage that is disabled or full never throws: there is simply nothing to rejoin', () => {
    vi.stubGlobal('sessionStorage', {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
      removeItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    });
    expect(() => saveResumeState(state)).not.toThrow();
    expect(() => clearResumeState('customer')).not.toThrow();
    expect(loadResumeState('customer')).toBeNull();
  });
});

describe('resume states of a rep console (one per tab)', () => {
  let storage: MemoryStorage;
  beforeEach(() => {
    storage = new MemoryStorage();
    vi.stubGlobal('sessionStorage', storage);
  });
  afterEach(() => vi.unstubAllGlobals());

  const rep = (recordId: string): ResumeState => ({ ...state, role: 'rep', recordId });

  it('keeps one entry per session, lists them all, and clears one without the others', () => {
    saveResumeState(rep('one'));
    saveResumeState(rep('two'));
    expect(loadRepResumeStates().map((s) => s.recordId).sort()).toEqual(['one', 'two']);
    clearResumeState('rep', 'one');
    expect(loadRepResumeStates().map((s) => s.recordId)).toEqual(['two']);
    expect(loadResumeState('customer')).toBeNull(); // the customer's key is untouched
  });

  it('drops an entry filed under another session’s key, and damaged ones', () => {
    storage.setItem('parley-resume-rep-one', JSON.stringify(rep('two')));
    storage.setItem('parley-resume-rep-bad', '{oops');
    saveResumeState(rep('three'));
    expect(loadRepResumeStates().map((s) => s.recordId)).toEqual(['three']);
    expect(Object.keys(storage.entries())).toEqual(['parley-resume-rep-three']);
  });
});
