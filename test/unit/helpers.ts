import { expect } from 'vitest';
import type { Portal, PortalEvents } from '../../client/src/lib/portal.ts';
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

/** A Storage over a Map, as the browser's behaves for these calls. */
export class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  constructor(entries: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(entries)) this.items.set(k, v);
  }
  get length(): number {
    return this.items.size;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  clear(): void {
    this.items.clear();
  }
  entries(): Record<string, string> {
    return Object.fromEntries(this.items);
  }
}

/** The next `event` a Portal emits (rejects after `timeoutMs`). */
export function nextPortalEvent<K extends keyof PortalEvents>(p: Portal, event: K, timeoutMs = 8000): Promise<PortalEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const off = p.on(event, (payload) => {
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}
