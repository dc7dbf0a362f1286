/**
 * The arithmetic of a windowed (virtualised) list with rows of varied height: which rows to
 * put in the page for a scroll position, and how much empty space stands for the rows above
 * and below them. Rows never measured count at an estimate; a measured row counts at its
 * height. Framework-free: ChatLog.svelte measures rows and asks.
 */

export interface WindowRange {
  /** First row in the page (inclusive) and the row after the last (exclusive). */
  start: number;
  end: number;
  /** Space standing for rows [0, start) and [end, count). */
  before: number;
  after: number;
  /** Height of every row together. */
  total: number;
}

export class RowHeights<K> {
  private readonly measured = new Map<K, number>();
  /** Estimates are made once per row (they may cost a look at the row's text). */
  private readonly estimates = new Map<K, number>();
  private readonly index = new Map<K, number>();
  private sizes = new Float64Array(0);
  private offsets = new Float64Array(1);
  private keys: readonly K[] = [];
  /** Offsets from this row on are out of date (a measurement changes only what follows it). */
  private staleFrom = 0;

  constructor(private readonly estimate: (index: number) => number) {}

  /** The rows in order (call when they change; the measured heights are kept by key). */
  setKeys(keys: readonly K[]): void {
    this.keys = keys;
    this.index.clear();
    if (this.sizes.length !== keys.length) this.sizes = new Float64Array(keys.length);
    if (this.offsets.length !== keys.length + 1) this.offsets = new Float64Array(keys.length + 1);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      this.index.set(key, i);
      let size = this.measured.get(key) ?? this.estimates.get(key);
      if (size === undefined) this.estimates.set(key, (size = this.estimate(i)));
      this.sizes[i] = size;
    }
    this.staleFrom = 0;
  }

  /** Records a row's measured height; true when it differs from what was counted. */
  measure(key: K, height: number): boolean {
    if (!(height >= 0) || this.measured.get(key) === height) return false;
    this.measured.set(key, height);
    const i = this.index.get(key);
    if (i !== undefined && this.sizes[i] !== height) {
      this.sizes[i] = height;
      this.staleFrom = Math.min(this.staleFrom, i);
    }
    return true;
  }

  /** Forgets heights (every row must be measured again). */
  reset(): void {
    this.measured.clear();
    this.estimates.clear();
    this.setKeys(this.keys);
  }

  /** Offset of row `index` from the top of the first row (index = count: the total height). */
  offset(index: number): number {
    this.rebuild();
    return this.offsets[Math.max(0, Math.min(index, this.keys.length))]!;
  }

  /** The rows to render for a viewport at `scrollTop` of height `viewport`, with `overscan` px either side. */
  range(scrollTop: number, viewport: number, overscan: number): WindowRange {
    this.rebuild();
    const count = this.keys.length;
    const total = this.offsets[count]!;
    const top = Math.max(0, scrollTop - overscan);
    const bottom = Math.max(top, scrollTop + viewport + overscan);
    // First row whose bottom is below `top`, and first row whose top is at or below `bottom`.
    const start = Math.min(count, this.firstAbove(top));
    const end = Math.max(start, Math.min(count, this.firstAtOrBelow(bottom)));
    return { start, end, before: this.offsets[start]!, after: total - this.offsets[end]!, total };
  }

  private firstAbove(y: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[mid + 1]! > y) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private firstAtOrBelow(y: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[mid]! >= y) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private rebuild(): void {
    const count = this.keys.length;
    if (this.staleFrom > count) return;
    let sum = this.staleFrom === 0 ? 0 : this.offsets[this.staleFrom]!;
    for (let i = this.staleFrom; i < count; i++) {
      this.offsets[i] = sum;
      sum += this.sizes[i]!;
    }
    this.offsets[count] = sum;
    this.staleFrom = count + 1;
  }
}
