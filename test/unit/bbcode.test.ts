import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseBBCode, plainText, safeColour, safeUrl, type BBNode } from '../../client/src/lib/bbcode.ts';

const text = (t: string): BBNode => ({ type: 'text', text: t });

/** Every URL and colour that made it into the tree. */
function attrs(nodes: BBNode[]): string[] {
  return nodes.flatMap((n) => (n.type === 'text' ? [] : [...(n.attr ? [n.attr] : []), ...attrs(n.children)]));
}

describe('parseBBCode', () => {
  it('parses the supported tags, nested', () => {
    expect(parseBBCode('a [b]bold [i]both[/i][/b] z')).toEqual([
      text('a '),
      { type: 'tag', tag: 'b', attr: undefined, children: [text('bold '), { type: 'tag', tag: 'i', attr: undefined, children: [text('both')] }] },
      text(' z'),
    ]);
    for (const tag of ['u', 's', 'quote', 'code']) {
      expect(parseBBCode(`[${tag}]x[/${tag}]`)).toEqual([{ type: 'tag', tag, attr: undefined, children: [text('x')] }]);
    }
  });

  it('is case-insensitive and keeps unknown or unmatched tags as text', () => {
    expect(parseBBCode('[B]x[/b]')[0]).toMatchObject({ type: 'tag', tag: 'b' });
    expect(parseBBCode('[img]x[/img]')).toEqual([text('[img]x[/img]')]);
    expect(parseBBCode('[b]never closed')).toEqual([text('[b]never closed')]);
    expect(parseBBCode('stray [/i] close')).toEqual([text('stray [/i] close')]);
    expect(parseBBCode('[b]a[i]b[/b]c[/i]')).toEqual([
      { type: 'tag', tag: 'b', attr: undefined, children: [text('a[i]b')] },
      text('c[/i]'),
    ]);
  });

  it('does not parse inside [code]', () => {
    expect(parseBBCode('[code][b]x[/b][/code]')).toEqual([{ type: 'tag', tag: 'code', attr: undefined, children: [text('[b]x[/b]')] }]);
  });

  it('links only http and https addresses', () => {
    expect(parseBBCode('[url]https://example.com/a?b=1[/url]')[0]).toMatchObject({ tag: 'url', attr: 'https://example.com/a?b=1' });
    expect(parseBBCode('[url=http://example.com]here[/url]')[0]).toMatchObject({ tag: 'url', attr: 'http://example.com/', children: [text('here')] });
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', '//evil.example', 'file:///etc/passwd', 'http://']) {
      expect(attrs(parseBBCode(`[url]${bad}[/url]`)), bad).toEqual([]);
      expect(attrs(parseBBCode(`[url=${bad}]x[/url]`)), bad).toEqual([]);
      expect(plainText(parseBBCode(`[url]${bad}[/url]`))).toContain(bad.trim() === bad ? bad : bad.slice(1));
    }
  });

  it('allows only named or hex colours', () => {
    expect(parseBBCode('[color=red]x[/color]')[0]).toMatchObject({ tag: 'color', attr: 'red' });
    expect(parseBBCode('[color=#A0b]x[/color]')[0]).toMatchObject({ tag: 'color', attr: '#a0b' });
    for (const bad of ['red;background:url(x)', 'expression(alert(1))', 'url(javascript:x)', '#12345', 'rgb(1,2,3)', '']) {
      expect(attrs(parseBBCode(`[color=${bad}]x[/color]`)), bad).toEqual([]);
    }
  });

  it('classic XSS payloads stay text, whatever BBCode surrounds them', () => {
    const payloads = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '"><svg/onload=alert(1)>',
      "javascript:alert('x')",
      '<a href="javascript:alert(1)">x</a>',
      '[url=javascript:alert(1)]click[/url]',
      '[url]javascript:alert(1)[/url]',
      '[color=red" onmouseover="alert(1)]x[/color]',
      '[url=https://ok.example" onclick="alert(1)]x[/url]',
    ];
    for (const p of payloads) {
      const nodes = parseBBCode(`[b]${p}[/b]`);
      expect(plainText(nodes)).toContain(p.replace(/\[\/?[a-z]+(=[^\]]*)?\]/gi, '').slice(0, 5));
      for (const a of attrs(nodes)) expect(a.startsWith('https://') || a.startsWith('http://') || /^#|^[a-z]+$/.test(a), a).toBe(true);
      for (const a of attrs(nodes)) expect(a).not.toMatch(/["<>\s]|javascript:/i);
    }
  });

  it('never throws, keeps every character of plain input, and caps nesting (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const nodes = parseBBCode(s);
        expect(Array.isArray(nodes)).toBe(true);
        if (!s.includes('[')) expect(plainText(nodes)).toBe(s);
      }),
    );
    const deep = '[b]'.repeat(50) + 'x' + '[/b]'.repeat(50);
    expect(() => parseBBCode(deep)).not.toThrow();
  });

  it('safeUrl and safeColour', () => {
    expect(safeUrl('https://a.example')).toBe('https://a.example/');
    expect(safeUrl('ftp://a.example')).toBeNull();
    expect(safeColour('Blue')).toBe('blue');
    expect(safeColour('blue;')).toBeNull();
  });
});
