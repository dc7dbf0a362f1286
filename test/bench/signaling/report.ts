/** Statistics and the printed table of the signaling bench. */

/** Nearest-rank percentile (q in 0…1) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A figure over repeated runs: the median run, and the best and worst. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(runs: readonly number[]): Spread {
  return { median: percentile(runs, 0.5), min: Math.min(...runs), max: Math.max(...runs), runs: [...runs] };
}

export interface Row {
  figure: string;
  median: string;
  min?: string;
  max?: string;
  target?: string;
}

export const num = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
export const ms = (x: number) => `${num(x, 1)} ms`;
export const mb = (x: number) => `${num(x)} MB`;
export const pct = (x: number) => `${num(100 * x)}%`;
/** CPU used, and how long the main thread waited for a CPU (other work on the machine): see `CpuUse`. */
export const cpu = (u: { busy: number; waiting: number }) => `${pct(u.busy)} (waited ${pct(u.waiting)})`;

export function spreadRow(figure: string, s: Spread, unit: (x: number) => string, target?: string): Row {
  return { figure, median: unit(s.median), min: unit(s.min), max: unit(s.max), ...(target ? { target } : {}) };
}

export function printTable(title: string, rows: readonly Row[]): void {
  const width = Math.max(6, ...rows.map((r) => r.figure.length));
  const col = (text: string | undefined, w: number) => (text ?? '').padStart(w);
  const widths = [Math.max(6, ...rows.map((r) => r.median.length)), Math.max(3, ...rows.map((r) => (r.min ?? '').length)), Math.max(3, ...rows.map((r) => (r.max ?? '').length))] as const;
  console.log(`\n${title}\n`);
  console.log(`${'figure'.padEnd(width)}  ${col('median', widths[0])}  ${col('min', widths[1])}  ${col('max', widths[2])}  target`);
  for (const r of rows) console.log(`${r.figure.padEnd(width)}  ${col(r.median, widths[0])}  ${col(r.min, widths[1])}  ${col(r.max, widths[2])}  ${r.target ?? ''}`.trimEnd());
}

/** `{RATE_LIMITED: 3}` → `RATE_LIMITED ×3`; empty → `none`. */
export function errorList(errors: Record<string, number>): string {
  const entries = Object.entries(errors);
  return entries.length === 0 ? 'none' : entries.map(([code, n]) => `${code} ×${n}`).join(', ');
}

export function mergeErrors(into: Record<string, number>, from: Record<string, number>): void {
  for (const [code, n] of Object.entries(from)) into[code] = (into[code] ?? 0) + n;
}
