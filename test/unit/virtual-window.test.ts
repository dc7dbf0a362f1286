import { describe, expect, it } from 'vitest';
import { RowHeights } from '../../client/src/lib/virtual-window.ts';

const keys = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('RowHeights', () => {
  it('windows rows at their estimated height, with space for the rest', () => {
    const h = new RowHeights<number>(() => 50);
    h.setKeys(keys(1000));
    const r = h.range(10_000, 500, 100);
    // 9 900 px → row 198 … 10 600 px → row 212
    expect(r).toEqual({ start: 198, end: 212, before: 9_900, after: 50_000 - 10_600, total: 50_000 });
  });

  it('counts measured rows at their height and keeps the heights by key when rows are added', () => {
    const h = new RowHeights<string>(() => 40);
    h.setKeys(['a', 'b', 'c']);
    expect(h.measure('b', 100)).toBe(true);
    expect(h.measure('b', 100)).toBe(false); // unchanged
    expect(h.offset(2)).toBe(140);
    h.setKeys(['a', 'b', 'c', 'd']);
    expect(h.offset(4)).toBe(220);
    h.reset();
    expect(h.offset(4)).toBe(160);
  });

  it('renders every row of a short list and nothing of an empty one', () => {
    const h = new RowHeights<number>(() => 30);
    h.setKeys(keys(5));
    expect(h.range(0, 1000, 200)).toMatchObject({ start: 0, end: 5, before: 0, after: 0 });
    h.setKeys([]);
    expect(h.range(0, 1000, 200)).toMatchObject({ start: 0, end: 0, before: 0, after: 0, total: 0 });
  });

  it('clamps a scroll position past either end to the nearest rows', () => {
    const h = new RowHeights<number>(() => 10);
    h.setKeys(keys(100));
    expect(h.range(5_000, 100, 0)).toMatchObject({ start: 100, end: 100, after: 0 });
    expect(h.range(-50, 100, 0)).toMatchObject({ start: 0, end: 5, before: 0 });
    expect(h.range(995, 100, 0)).toMatchObject({ start: 99, end: 100, after: 0 });
  });

  it('ignores impossible measurements', () => {
    const h = new RowHeights<number>(() => 10);
    h.setKeys(keys(2));
    expect(h.measure(0, Number.NaN)).toBe(false);
    expect(h.measure(0, -1)).toBe(false);
    expect(h.offset(2)).toBe(20);
  });
});
