/**
 * The rep console's side of canned messages: download the administrator's tree once (checked
 * with the schema the server used) and filter it as the rep types in the search box.
 */
import * as v from 'valibot';
import { CannedResponseSchema, isCategory, type CannedNode } from '@protocol/canned.ts';
import { ParleyError } from '@protocol/errors.ts';

export const CANNED_URL = '/api/rep/canned';

/**
 * @throws ParleyError `SERVER_UNREACHABLE` (network or HTTP error), `MALFORMED` (not a valid tree)
 */
export async function fetchCanned(fetcher: typeof fetch = fetch): Promise<CannedNode[]> {
  let body: unknown;
  try {
    const response = await fetcher(CANNED_URL, { cache: 'no-store', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = await response.json();
  } catch (err) {
    throw new ParleyError('SERVER_UNREACHABLE', `canned messages: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const parsed = v.safeParse(CannedResponseSchema, body);
  if (!parsed.success) throw new ParleyError('MALFORMED', `canned messages: ${parsed.issues[0]?.message ?? 'invalid'}`);
  return parsed.output.items;
}

/** A node of the tree as shown: a stable id (its path), its depth and, for categories, children. */
export type ShownNode =
  | { kind: 'category'; id: string; level: number; title: string; items: ShownNode[]; size: number }
  | { kind: 'text'; id: string; level: number; title: string | undefined; text: string }
  | { kind: 'url'; id: string; level: number; title: string | undefined; url: string };

/**
 * The tree for display, keeping only what matches `query`: every word of the query must appear
 * in an entry's title, text or address, or in the title of a category above it (so "printer
 * driver" finds "Driver downloads" under "Printers"). Case and accents are ignored. A category
 * stays when anything in it matches; an empty query keeps everything.
 */
export function filterCanned(tree: CannedNode[], query: string): ShownNode[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  const walk = (list: CannedNode[], level: number, parentId: string, context: string): ShownNode[] => {
    const out: ShownNode[] = [];
    list.forEach((node, index) => {
      const id = parentId ? `${parentId}.${index}` : String(index);
      if (isCategory(node)) {
        const items = walk(node.items, level + 1, id, `${context} ${fold(node.title)}`);
        if (items.length > 0 || (words.length === 0 && node.items.length === 0)) {
          out.push({ kind: 'category', id, level, title: node.title, items, size: countLeaves(items) });
        }
        return;
      }
      const content = 'text' in node ? node.text : node.url;
      const haystack = `${context} ${fold(node.title ?? '')} ${fold(content)}`;
      if (!words.every((word) => haystack.includes(word))) return;
      out.push('text' in node ? { kind: 'text', id, level, title: node.title, text: node.text } : { kind: 'url', id, level, title: node.title, url: node.url });
    });
    return out;
  };
  return walk(tree, 1, '', '');
}

/** Messages and URLs (not categories) in a shown tree. */
export function countLeaves(nodes: ShownNode[]): number {
  return nodes.reduce((sum, node) => sum + (node.kind === 'category' ? node.size : 1), 0);
}

/** Lower case without accents: "Réinstaller" and "reinstaller" compare equal. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}
