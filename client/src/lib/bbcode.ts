/**
 * BBCode for chat messages: `[b] [i] [u] [s] [code] [quote] [url] [url=…] [color=…]`.
 * Parsed into a small tree that components render as elements (never as HTML strings), so no
 * markup, script, event handler or `javascript:` URL in a message can ever run. Anything that
 * is not well-formed BBCode stays visible as the text it was.
 */

export type BBTag = 'b' | 'i' | 'u' | 's' | 'code' | 'quote' | 'url' | 'color';
export type BBNode = { type: 'text'; text: string } | { type: 'tag'; tag: BBTag; attr?: string; children: BBNode[] };

const TAGS: ReadonlySet<string> = new Set(['b', 'i', 'u', 's', 'code', 'quote', 'url', 'color']);
/** Colours a message may use: names and #rgb / #rrggbb, nothing that could carry CSS syntax. */
const NAMED_COLOURS: ReadonlySet<string> = new Set(['red', 'green', 'blue', 'orange', 'purple', 'gray', 'grey', 'black', 'brown', 'teal', 'navy', 'maroon']);
const MAX_DEPTH = 8;

/** A web address we are willing to make clickable: absolute http(s) only. */
export function safeUrl(raw: string): string | null {
  const text = raw.trim();
  if (!/^https?:\/\//i.test(text)) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function safeColour(raw: string): string | null {
  const value = raw.trim().toLowerCase();
  if (NAMED_COLOURS.has(value)) return value;
  return /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/.test(value) ? value : null;
}

interface Open {
  tag: BBTag;
  attr?: string;
  source: string; // the opening tag as written, to restore it if never closed
  children: BBNode[];
}

export function parseBBCode(input: string): BBNode[] {
  const root: BBNode[] = [];
  const stack: Open[] = [];
  const out = () => stack.at(-1)?.children ?? root;
  const pushText = (text: string) => {
    if (!text) return;
    const target = out();
    const last = target.at(-1);
    if (last?.type === 'text') last.text += text;
    else target.push({ type: 'text', text });
  };

  const tagRe = /\[(\/?)([a-z]+)(?:=([^\]\n]{1,2048}))?\]/gi;
  let index = 0;
  for (let match = tagRe.exec(input); match; match = tagRe.exec(input)) {
    const [source, slash, rawName, attr] = match;
    const name = rawName!.toLowerCase();
    const inCode = stack.at(-1)?.tag === 'code';
    pushText(input.slice(index, match.index));
    index = match.index + source.length;
    if (!TAGS.has(name) || (inCode && !(slash && name === 'code'))) {
      pushText(source); // unknown tag, or anything inside [code]: literal text
      continue;
    }
    const tag = name as BBTag;
    if (!slash) {
      const valid = attr === undefined ? tag !== 'color' : (tag === 'url' && safeUrl(attr)) || (tag === 'color' && safeColour(attr));
      if (!valid || stack.length >= MAX_DEPTH) pushText(source);
      else stack.push({ tag, attr: attr === undefined ? undefined : (valid as string), source, children: [] });
      continue;
    }
    // A closing tag closes the innermost matching open tag; unmatched ones are text.
    const at = stack.map((o) => o.tag).lastIndexOf(tag);
    if (at < 0) {
      pushText(source);
      continue;
    }
    while (stack.length > at + 1) unwind(stack.pop()!);
    close(stack.pop()!);
  }
  pushText(input.slice(index));
  while (stack.length) unwind(stack.pop()!);
  return root;

  /** A well-formed tag becomes a node (a [url] without an attribute links its own text). */
  function close(open: Open): void {
    if (open.tag === 'url' && open.attr === undefined) {
      const text = open.children.map((c) => (c.type === 'text' ? c.text : '')).join('');
      const href = open.children.every((c) => c.type === 'text') ? safeUrl(text) : null;
      if (!href) return unwind(open, `[/url]`);
      out().push({ type: 'tag', tag: 'url', attr: href, children: open.children });
      return;
    }
    out().push({ type: 'tag', tag: open.tag, attr: open.attr, children: open.children });
  }

  /** An open tag that never closed (or an unusable one) goes back to being plain text. */
  function unwind(open: Open, closing = ''): void {
    pushText(open.source);
    for (const child of open.children) {
      if (child.type === 'text') pushText(child.text);
      else out().push(child);
    }
    pushText(closing);
  }
}

/** The message as plain text, markup removed (for the report and notifications). */
export function plainText(nodes: BBNode[]): string {
  return nodes.map((n) => (n.type === 'text' ? n.text : plainText(n.children))).join('');
}
