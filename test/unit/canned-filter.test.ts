/**
 * The rep console's canned messages (client/src/lib/canned.ts): the download is checked like
 * any input, and the search ignores case and accents and looks through titles, texts,
 * addresses and the categories above an entry.
 */
import { describe, expect, it } from 'vitest';
import { countLeaves, fetchCanned, filterCanned, fold, type ShownNode } from '../../client/src/lib/canned.ts';
import type { CannedNode } from '../../protocol/canned.ts';

const tree: CannedNode[] = [
  { title: 'Greetings', items: [{ title: 'Welcome', text: 'Hello, how can I help?' }, { text: 'Thank you for waiting.' }] },
  {
    title: 'Imprimantes',
    items: [
      { title: 'Pilotes', items: [{ title: 'Réinstaller le pilote', text: 'Désinstallez, redémarrez, réinstallez.' }, { title: 'Téléchargements', url: 'https://support.example.com/pilotes' }] },
      { title: 'Empty', items: [] },
    ],
  },
  { title: 'Closing', items: [{ title: 'Goodbye', text: 'Have a [b]GOOD[/b] day' }] },
];

/** The shown tree as indented lines, e.g. `Greetings/` then `  Welcome`. */
function outline(nodes: ShownNode[], indent = ''): string[] {
  return nodes.flatMap((node) =>
    node.kind === 'category' ? [`${indent}${node.title}/ (${node.size})`, ...outline(node.items, `${indent}  `)] : [`${indent}${node.title ?? (node.kind === 'text' ? node.text : node.url)}`],
  );
}

describe('filterCanned', () => {
  it('shows everything, with ids, levels and sizes, for an empty query', () => {
    const shown = filterCanned(tree, '  ');
    expect(outline(shown)).toEqual([
      'Greetings/ (2)',
      '  Welcome',
      '  Thank you for waiting.',
      'Imprimantes/ (2)',
      '  Pilotes/ (2)',
      '    Réinstaller le pilote',
      '    Téléchargements',
      '  Empty/ (0)',
      'Closing/ (1)',
      '  Goodbye',
    ]);
    expect(countLeaves(shown)).toBe(5);
    const pilotes = (shown[1] as Extract<ShownNode, { kind: 'category' }>).items[0] as Extract<ShownNode, { kind: 'category' }>;
    expect(pilotes).toMatchObject({ id: '1.0', level: 2 });
    expect(pilotes.items[1]).toEqual({ kind: 'url', id: '1.0.1', level: 3, title: 'Téléchargements', url: 'https://support.example.com/pilotes' });
  });

  it('ignores case and accents, in both directions', () => {
    expect(outline(filterCanned(tree, 'REINSTALLER'))).toEqual(['Imprimantes/ (1)', '  Pilotes/ (1)', '    Réinstaller le pilote']);
    expect(outline(filterCanned(tree, 'telechargements'))).toEqual(['Imprimantes/ (1)', '  Pilotes/ (1)', '    Téléchargements']);
    expect(outline(filterCanned(tree, 'Thänk'))).toEqual(['Greetings/ (1)', '  Thank you for waiting.']);
  });

  it('searches message texts and addresses, not only titles', () => {
    expect(outline(filterCanned(tree, 'help'))).toEqual(['Greetings/ (1)', '  Welcome']);
    expect(outline(filterCanned(tree, 'support.example'))).toEqual(['Imprimantes/ (1)', '  Pilotes/ (1)', '    Téléchargements']);
    expect(outline(filterCanned(tree, 'good day'))).toEqual(['Closing/ (1)', '  Goodbye']);
  });

  it('needs every word, each in the entry or a category above it', () => {
    expect(outline(filterCanned(tree, 'imprimantes pilote redemarrez'))).toEqual(['Imprimantes/ (1)', '  Pilotes/ (1)', '    Réinstaller le pilote']);
    expect(outline(filterCanned(tree, 'greetings'))).toEqual(['Greetings/ (2)', '  Welcome', '  Thank you for waiting.']);
    expect(filterCanned(tree, 'greetings pilote')).toEqual([]);
    expect(filterCanned(tree, 'nothing like this')).toEqual([]);
  });

  it('fold() lower-cases and strips combining marks', () => {
    expect(fold('ÉCOLE Über Ça')).toBe('ecole uber ca');
    expect(fold('e\u0301')).toBe('e');
  });
});

describe('fetchCanned', () => {
  const answer = (status: number, body: unknown) => async () => new Response(JSON.stringify(body), { status });

  it('returns the checked tree', async () => {
    expect(await fetchCanned(answer(200, { items: tree }))).toEqual(tree);
  });

  it('an unreachable server or an HTTP error is SERVER_UNREACHABLE', async () => {
    await expect(fetchCanned(async () => Promise.reject(new TypeError('Failed to fetch')))).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' });
    await expect(fetchCanned(answer(500, {}))).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' });
  });

  it('an answer that is not a valid tree is MALFORMED (a javascript: link never reaches the console)', async () => {
    await expect(fetchCanned(answer(200, { items: [{ url: 'javascript:alert(1)' }] }))).rejects.toMatchObject({ code: 'MALFORMED' });
    await expect(fetchCanned(answer(200, [tree]))).rejects.toMatchObject({ code: 'MALFORMED' });
  });
});
