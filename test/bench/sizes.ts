/**
 * Gzipped JavaScript and CSS of each page, from the Vite manifest (`vite build --manifest`):
 *   - initial: the entry and its static imports (what loads with the page);
 *   - lazy: everything reachable through dynamic imports (fetched later: the session code while
 *     the code is typed, reports on download), other languages' catalogues excepted;
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

interface Chunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}
type Manifest = Record<string, Chunk>;

export interface PageSizes {
  initialJs: number;
  initialCss: number;
  lazyJs: number;
  lazyCss: number;
}

const gz = (dist: string, file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;

/** Keys reachable from `roots` through static imports. */
function staticClosure(manifest: Manifest, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key) || !manifest[key]) return;
    seen.add(key);
    for (const k of manifest[key].imports ?? []) visit(k);
  };
  roots.forEach(visit);
  return seen;
}

export function pageSizes(dist: string, entry: string, skipLazy: (key: string) => boolean = () => false): PageSizes {
  const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8')) as Manifest;
  const initial = staticClosure(manifest, [entry]);
  // Everything the page may import later, each chunk with its own static imports.
  const all = new Set(initial);
  const queue = [...initial];
  while (queue.length) {
    for (const dyn of manifest[queue.pop()!]?.dynamicImports ?? []) {
      if (skipLazy(dyn)) continue;
      for (const key of staticClosure(manifest, [dyn])) if (!all.has(key)) (all.add(key), queue.push(key));
    }
  }
  const lazy = [...all].filter((k) => !initial.has(k));
  const js = (keys: Iterable<string>) => [...keys].reduce((sum, k) => sum + gz(dist, manifest[k]!.file), 0);
  const css = (keys: Iterable<string>, not: Set<string> = new Set()) => {
    const files = new Set([...keys].flatMap((k) => manifest[k]!.css ?? []).filter((f) => !not.has(f)));
    return { total: [...files].reduce((sum, f) => sum + gz(dist, f), 0), files };
  };
  const initialCss = css(initial);
  return { initialJs: js(initial), initialCss: initialCss.total, lazyJs: js(lazy), lazyCss: css(lazy, initialCss.files).total };
}
