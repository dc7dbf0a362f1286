/** Summaries and the printed table of `npm run bench`: every figure is a median with its min and max. */

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { n: 0, median: NaN, min: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { n: sorted.length, median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** The q-quantile (nearest rank) of samples, e.g. 0.95 for p95 frame times. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

export interface TableRow {
  figure: string;
  summary: Summary;
  unit: string;
  /** Human text of the target, e.g. "< 150 ms". */
  target?: string;
  /** Whether the median meets the target (undefined: no target). */
  met?: boolean;
  digits?: number;
}

export function row(figure: string, samples: readonly number[], unit: string, target?: { text: string; ok: (median: number) => boolean }, digits = 1): TableRow {
  const summary = summarize(samples);
  return { figure, summary, unit, target: target?.text, met: target && summary.n > 0 ? target.ok(summary.median) : undefined, digits };
}

export function printTable(title: string, rows: readonly TableRow[]): void {
  if (rows.length === 0) return;
  const w = Math.max(40, ...rows.map((r) => r.figure.length));
  const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '—').padStart(9);
  console.log(`\n${title}`);
  console.log(`${'figure'.padEnd(w)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}  unit      n   target`);
  for (const r of rows) {
    const d = r.digits ?? 1;
    const verdict = r.target ? `${r.target} ${r.met === undefined ? '' : r.met ? 'met' : 'NOT MET'}` : '';
    console.log(`${r.figure.padEnd(w)} ${f(r.summary.median, d)} ${f(r.summary.min, d)} ${f(r.summary.max, d)}  ${r.unit.padEnd(8)} ${String(r.summary.n).padStart(3)}   ${verdict}`);
  }
}
