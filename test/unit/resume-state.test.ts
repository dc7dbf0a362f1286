import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearResumeState, loadResumeState, saveResumeState, type ResumeState } from '../../client/src/lib/resume-state.ts';
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
