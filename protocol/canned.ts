/**
 * Canned messages and scripted URLs: a tree the administrator writes in the server config
 * (`CANNED_MESSAGES`) and the rep console downloads from `GET /api/rep/canned`.
 *
 * A node is one of
 * - a **category**: `{ "title": "Printers", "items": [ …nodes ] }` (title required);
 * - a **message**: `{ "title": "Greeting", "text": "Hello, I'm [b]Sam[/b]…" }` (BBCode allowed);
 * - a **URL**: `{ "title": "Driver downloads", "url": "https://example.com/drivers" }` (http/https).
 *
 * Titles of messages and URLs are optional (the text or address is shown instead). Everything
 * is capped (depth, counts, lengths) so a config mistake cannot make the console download
 * megabytes. The server checks the tree at start; the console parses the download again with the
 * same schema (it crosses a trust boundary).
 */
import * as v from 'valibot';
import { MAX_CHAT_CHARS } from './limits.ts';
import { MAX_URL_CHARS, isPushableUrl } from './peer.ts';

export const CANNED_LIMITS = {
  /** Categories nest at most this deep (a category at the top is level 1). */
  depth: 4,
  /** Entries directly in one category (or at the top). */
  itemsPerCategory: 100,
  /** Entries in the whole tree, categories included. */
  totalItems: 1000,
  titleChars: 120,
  /** Characters of titles, texts and URLs in the whole tree (keeps the download small). */
  totalChars: 200_000,
} as const;

export interface CannedCategory {
  title: string;
  items: CannedNode[];
}
export interface CannedText {
  title?: string;
  text: string;
}
export interface CannedUrl {
  title?: string;
  url: string;
}
export type CannedNode = CannedCategory | CannedText | CannedUrl;

export function isCategory(node: CannedNode): node is CannedCategory {
  return 'items' in node;
}

const title = v.pipe(
  v.string('must be text'),
  v.trim(),
  v.nonEmpty('must not be empty'),
  v.maxLength(CANNED_LIMITS.titleChars, `must be at most ${CANNED_LIMITS.titleChars} characters`),
);
const text = v.pipe(
  v.string('must be text'),
  v.check((value) => value.trim() !== '', 'must not be empty'),
  v.maxLength(MAX_CHAT_CHARS, (issue) => `is ${issue.received} characters long; a chat message is at most ${MAX_CHAT_CHARS}`),
);
const url = v.pipe(
  v.string('must be text'),
  v.trim(),
  v.check(isPushableUrl, `must be an absolute http:// or https:// address (at most ${MAX_URL_CHARS} characters)`),
);

function itemList(level: number): v.GenericSchema<unknown, CannedNode[]> {
  const limit = CANNED_LIMITS.itemsPerCategory;
  return v.pipe(
    v.array(node(level), 'must be a list of entries'),
    v.maxLength(limit, (issue) => `has ${issue.received} entries; at most ${limit} are allowed in one list`),
  );
}

/**
 * One entry at `level` (1 = top). The schemas are built to a fixed depth rather than recursively,
 * so going too deep is reported where it happens, with the limit.
 */
function node(level: number): v.GenericSchema<unknown, CannedNode> {
  const items =
    level <= CANNED_LIMITS.depth
      ? itemList(level + 1)
      : v.custom<never>(() => false, `categories can nest at most ${CANNED_LIMITS.depth} levels deep`);
  return v.pipe(
    v.strictObject(
      { title: v.optional(title), text: v.optional(text), url: v.optional(url), items: v.optional(items) },
      (issue) =>
        issue.kind === 'schema' && issue.expected === 'never'
          ? `unknown key ${JSON.stringify(issue.input)}; an entry has a title and one of text, url or items`
          : 'must be an object such as {"title": "Greeting", "text": "Hello!"}',
    ),
    v.check(
      (entry) => [entry.text, entry.url, entry.items].filter((value) => value !== undefined).length === 1,
      'needs exactly one of "text" (a message), "url" (a page to push) or "items" (a category)',
    ),
    v.check((entry) => entry.items === undefined || entry.title !== undefined, 'a category needs a "title"'),
    v.transform((entry) => entry as CannedNode),
  );
}

/**
 * The whole tree: a list of entries, within the totals.
 * @example [{ "title": "Greetings", "items": [{ "title": "Hello", "text": "Hello, how can I help?" }] }]
 */
export const CannedTreeSchema = v.pipe(
  itemList(1),
  v.check(
    (tree) => count(tree).items <= CANNED_LIMITS.totalItems,
    (issue) => `has ${count(issue.input as CannedNode[]).items} entries in all; at most ${CANNED_LIMITS.totalItems} are allowed`,
  ),
  v.check(
    (tree) => count(tree).chars <= CANNED_LIMITS.totalChars,
    (issue) => `holds ${count(issue.input as CannedNode[]).chars} characters in all; at most ${CANNED_LIMITS.totalChars} are allowed`,
  ),
);

/** What `GET /api/rep/canned` answers. @example { "items": [] } */
export const CannedResponseSchema = v.object({ items: CannedTreeSchema });

function count(tree: CannedNode[]): { items: number; chars: number } {
  let items = 0;
  let chars = 0;
  const walk = (list: CannedNode[]) => {
    for (const entry of list) {
      items++;
      chars += (entry.title?.length ?? 0) + ('text' in entry ? entry.text.length : 0) + ('url' in entry ? entry.url.length : 0);
      if (isCategory(entry)) walk(entry.items);
    }
  };
  walk(tree);
  return { items, chars };
}
