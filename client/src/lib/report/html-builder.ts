/**
 * A tiny HTML builder for the printable report. Elements come from a fixed set of tags and
 * attribute names written in this code; every string child and every attribute value is
 * escaped. Markup exists only as values this module makes, so text from the other side (a
 * name, a message, a file name, a URL) can never turn into markup, however it is spelled.
 */

const MARKUP: unique symbol = Symbol('markup');
export interface Markup {
  readonly [MARKUP]: true;
  readonly html: string;
}
function markup(html: string): Markup {
  return { [MARKUP]: true, html };
}
function isMarkup(value: unknown): value is Markup {
  return typeof value === 'object' && value !== null && MARKUP in value;
}

type Tag =
  | 'html' | 'head' | 'body' | 'title' | 'main' | 'header' | 'footer' | 'section' | 'h1' | 'h2' | 'h3' | 'p' | 'div' | 'span'
  | 'dl' | 'dt' | 'dd' | 'table' | 'colgroup' | 'thead' | 'tbody' | 'tr' | 'th' | 'td' | 'time' | 'strong' | 'em' | 'u' | 's'
  | 'code' | 'blockquote' | 'a';
type AttrName =
  | 'class' | 'lang' | 'dir' | 'href' | 'rel' | 'datetime' | 'style' | 'colspan' | 'scope' | 'charset' | 'name' | 'content'
  | 'http-equiv' | 'id' | 'aria-labelledby' | 'aria-hidden';
export type Attrs = Partial<Record<AttrName, string | number | undefined>>;
export type Child = Markup | string | null | undefined | false | readonly Child[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const SPECIAL = /[&<>"']/;

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  // Most log text has nothing to escape: a test is far cheaper than a replace with a callback.
  return SPECIAL.test(text) ? text.replace(/[&<>"']/g, (c) => ENTITIES[c]!) : text;
}

/**
 * Second line of defence behind the callers' own checks: a link must be absolute http(s),
 * and inline style may only be `property: value` words (no quotes, brackets, url() or `;`).
 */
function allowed(name: AttrName, value: string): boolean {
  if (name === 'href') return /^https?:\/\//i.test(value);
  if (name === 'style') return /^[a-z-]+:\s*[#a-z0-9 ]+$/i.test(value);
  return true;
}

function attributes(attrs: Attrs): string {
  let out = '';
  for (const name in attrs) {
    const raw = attrs[name as AttrName];
    if (raw === undefined) continue;
    const value = String(raw);
    if (allowed(name as AttrName, value)) out += ` ${name}="${escapeHtml(value)}"`;
  }
  return out;
}

function children(items: readonly Child[]): string {
  let out = '';
  for (const child of items) {
    if (child === null || child === undefined || child === false) continue;
    if (typeof child === 'string') out += escapeHtml(child);
    else if (isMarkup(child)) out += child.html;
    else out += children(child as readonly Child[]);
  }
  return out;
}

export function el(tag: Tag, attrs: Attrs = {}, ...content: Child[]): Markup {
  return markup(`<${tag}${attributes(attrs)}>${children(content)}</${tag}>`);
}

/**
 * `el` with its attributes escaped and checked once, for elements repeated on every log row:
 * `const cell = element('td', { class: 'time' }); cell(text)`.
 */
export function element(tag: Tag, attrs: Attrs = {}): (...content: Child[]) => Markup {
  const open = `<${tag}${attributes(attrs)}>`;
  const close = `</${tag}>`;
  return (...content) => markup(open + children(content) + close);
}

/** Elements without content or end tag. */
export function empty(tag: 'meta' | 'col', attrs: Attrs): Markup {
  return markup(`<${tag}${attributes(attrs)}>`);
}

/** A `<style>` element for the report's own stylesheet (a constant in code, never user text). */
export function style(css: string): Markup {
  if (/</.test(css)) throw new Error('stylesheet must not contain "<"');
  return markup(`<style>${css}</style>`);
}

export function documentHtml(root: Markup): string {
  return `<!DOCTYPE html>\n${root.html}\n`;
}

let slots = 0;
/** A place in a document for many rows given later to documentParts (a comment text can't forge: `<` is escaped). */
export function slot(): Markup {
  return markup(`<!--parley-slot-${++slots}-->`);
}

/**
 * The document as Blob parts: the markup around `place`, with `fill` there in ~64 kB strings.
 * Joined, the same text as documentHtml. A Blob of one 25 MB concatenated string took twice
 * as long: the rope flattened whole, as UTF-16 once one character needs it.
 */
export function documentParts(root: Markup, place: Markup, fill: Iterable<Markup>): string[] {
  const doc = documentHtml(root);
  const at = doc.indexOf(place.html);
  if (at < 0 || doc.includes(place.html, at + 1)) throw new Error('the slot must be in the document once');
  const parts = [doc.slice(0, at)];
  let chunk = '';
  for (const item of fill) {
    chunk += item.html;
    if (chunk.length >= 65_536) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk + doc.slice(at + place.html.length));
  return parts;
}
