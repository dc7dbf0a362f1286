/**
 * A strict reader for the report's HTML, standing in for a DOM (none is installed for the
 * unit tests; the e2e tests parse reports in Chromium). It accepts only what the report's
 * builder can write — a doctype, then tags `<name attr="value">` with lower-case names and
 * double-quoted values, balanced — and throws on anything else, so a payload that escaped
 * its escaping (a stray `<`, a `"` closing an attribute, an unknown tag) fails loudly.
 */
const VOID = new Set(['meta', 'col']);
const ENTITY: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

export interface ScannedTag {
  name: string;
  attrs: Record<string, string>;
}

export interface Scanned {
  tags: ScannedTag[];
  /** All text, entities decoded, in document order (what a reader sees, roughly). */
  text: string;
  /** The content of each `<style>` element, as written. */
  styles: string[];
}

function decode(raw: string, where: string): string {
  if (/[<>]/.test(raw)) throw new Error(`raw < or > in ${where}: ${JSON.stringify(raw.slice(0, 80))}`);
  if (/&(?!amp;|lt;|gt;|quot;|#39;)/.test(raw)) throw new Error(`unescaped & in ${where}: ${JSON.stringify(raw.slice(0, 80))}`);
  return raw.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITY[e]!);
}

export function scanHtml(html: string): Scanned {
  const DOCTYPE = '<!DOCTYPE html>\n';
  if (!html.startsWith(DOCTYPE)) throw new Error('no doctype');
  const tags: ScannedTag[] = [];
  const styles: string[] = [];
  const stack: string[] = [];
  let text = '';
  let i = DOCTYPE.length;
  const tagRe = /<(\/?)([a-z][a-z0-9]*)((?:\s[a-z][a-z-]*="[^"]*")*)>/y;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    const chunk = html.slice(i, lt < 0 ? html.length : lt);
    text += decode(chunk, 'text');
    if (lt < 0) break;
    tagRe.lastIndex = lt;
    const m = tagRe.exec(html);
    if (!m) throw new Error(`not a tag the report writes at ${lt}: ${JSON.stringify(html.slice(lt, lt + 80))}`);
    const [whole, slash, name, rawAttrs] = m;
    i = lt + whole.length;
    if (slash) {
      if (stack.pop() !== name) throw new Error(`unbalanced </${name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rawAttrs!.matchAll(/\s([a-z][a-z-]*)="([^"]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]}`);
      attrs[a[1]!] = decode(a[2]!, `attribute ${a[1]}`);
    }
    tags.push({ name: name!, attrs });
    if (name === 'style') {
      const end = html.indexOf('</style>', i);
      styles.push(html.slice(i, end));
      i = end + '</style>'.length;
      continue;
    }
    if (!VOID.has(name!)) stack.push(name!);
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(' ')}`);
  return { tags, text, styles };
}
