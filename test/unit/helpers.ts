import { expect } from 'vitest';
import { ParleyError } from '../../protocol/errors.ts';

/** Runs `fn`; returns the ParleyError code it threw (failing on any other throw), or undefined. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParleyError);
    return (e as ParleyError).code;
  }
  return undefined;
}

/** Asserts that `fn` throws a ParleyError with this code. */
export function expectParleyError(fn: () => unknown, code: string): void {
  expect(codeOf(fn)).toBe(code);
}
