/**
 * The CANNED_MESSAGES setting (protocol/canned.ts through signaling/config.ts): a good tree loads
 * as written, a bad one stops the server with one named problem per mistake, and the caps on
 * depth, counts and lengths hold.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { CANNED_LIMITS, CannedResponseSchema, type CannedNode } from '../../protocol/canned.ts';
import { MAX_CHAT_CHARS } from '../../protocol/limits.ts';
import { ConfigError, loadConfig } from '../../signaling/config.ts';

function problems(tree: unknown): string[] {
  try {
    loadConfig({ CANNED_MESSAGES: typeof tree === 'string' ? tree : JSON.stringify(tree) });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

function tempFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'parley-canned-')), 'config.json');
  writeFileSync(path, content);
  return path;
}

/** A category holding `n` short messages. */
const category = (title: string, n: number, text = 'x'): CannedNode => ({
  title,
  items: Array.from({ length: n }, (_, i) => ({ title: `m${i}`, text })),
});

describe('CANNED_MESSAGES', () => {
  it('defaults to none', () => {
    expect(loadConfig({}).cannedMessages).toEqual([]);
  });

  it('loads the example config file shipped with Parley, and the e2e fixture', () => {
    const example = loadConfig({}, join(import.meta.dirname, '../../parley.config.example.json')).cannedMessages;
    expect(example.map((c) => c.title)).toEqual(['Greetings', 'Troubleshooting', 'Links', 'Closing']);
    expect(JSON.stringify(example)).toContain('"url":"https://support.example.com/drivers"');
    expect(loadConfig({}, join(import.meta.dirname, '../e2e/parley.config.json')).cannedMessages).toHaveLength(3);
  });

  it('reads a tree from the JSON file and from the environment, messages kept as written, titles and URLs trimmed', () => {
    const tree = [
      { title: ' Greetings ', items: [{ title: 'Hello', text: 'Hello [b]there[/b]\n' }, { text: 'No title' }] },
      { title: 'Links', items: [{ title: 'Help', url: ' https://example.com/help ' }, { title: 'Deeper', items: [category('Deepest', 1)] }] },
      { text: 'A message outside any category' },
    ];
    const expected = [
      { title: 'Greetings', items: [{ title: 'Hello', text: 'Hello [b]there[/b]\n' }, { text: 'No title' }] },
      { title: 'Links', items: [{ title: 'Help', url: 'https://example.com/help' }, { title: 'Deeper', items: [category('Deepest', 1)] }] },
      { text: 'A message outside any category' },
    ];
    expect(loadConfig({}, tempFile(JSON.stringify({ CANNED_MESSAGES: tree }))).cannedMessages).toEqual(expected);
    expect(loadConfig({ CANNED_MESSAGES: JSON.stringify(tree) }).cannedMessages).toEqual(expected);
  });

  it.each([
    ['not JSON', '[{oops', /^CANNED_MESSAGES \(environment variable\): is not valid JSON; expected a list of categories and messages/],
    ['not a list', '{"title":"x","text":"y"}', /^CANNED_MESSAGES \(environment variable\): must be a list of entries$/],
    ['a number', '5', /^CANNED_MESSAGES .*must be a list of entries, got 5$/],
    ['an entry that is not an object', ['hello'], /^CANNED_MESSAGES\[0\] .*must be an object such as \{"title": "Greeting", "text": "Hello!"\}, got "hello"$/],
    ['a typo in a key', [{ title: 'a', txt: 'b' }], /^CANNED_MESSAGES\[0\]\.txt .*unknown key "txt"; an entry has a title and one of text, url or items/],
    ['both text and url', [{ text: 'a', url: 'https://x.example' }], /^CANNED_MESSAGES\[0\] .*needs exactly one of "text" \(a message\), "url" \(a page to push\) or "items" \(a category\)$/],
    ['neither', [{ title: 'a' }], /^CANNED_MESSAGES\[0\] .*needs exactly one of/],
    ['a category without a title', [{ items: [] }], /^CANNED_MESSAGES\[0\] .*a category needs a "title"$/],
    ['an empty title', [{ title: '  ', text: 'a' }], /^CANNED_MESSAGES\[0\]\.title .*must not be empty/],
    ['a blank message', [{ title: 'Greetings', items: [{ text: ' \n ' }] }], /^CANNED_MESSAGES\[0\]\.items\[0\]\.text .*must not be empty/],
    ['a title that is a number', [{ title: 5, text: 'a' }], /^CANNED_MESSAGES\[0\]\.title .*must be text, got 5$/],
    ['a javascript: URL', [{ title: 'Links', items: [{ url: 'javascript:alert(1)' }] }], /^CANNED_MESSAGES\[0\]\.items\[0\]\.url .*must be an absolute http:\/\/ or https:\/\/ address/],
    ['a relative URL', [{ url: '/help' }], /^CANNED_MESSAGES\[0\]\.url .*must be an absolute http/],
  ])('refuses %s, naming where', (_what, tree, expected) => {
    const list = problems(tree);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatch(expected);
  });

  it('lists every mistake at once, with the file named', () => {
    const file = tempFile(JSON.stringify({ CANNED_MESSAGES: [{ title: 'A', items: [{ text: '' }, { url: 'ftp://x' }] }, { title: 'B' }] }));
    try {
      loadConfig({}, file);
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        `CANNED_MESSAGES[0].items[0].text (in ${file}): must not be empty, got ""`,
        `CANNED_MESSAGES[0].items[1].url (in ${file}): must be an absolute http:// or https:// address (at most 2048 characters), got "ftp://x"`,
        `CANNED_MESSAGES[1] (in ${file}): needs exactly one of "text" (a message), "url" (a page to push) or "items" (a category)`,
      ]);
    }
  });

  describe('caps', () => {
    /** Categories nested `levels` deep, the innermost holding one message. */
    const nested = (levels: number): CannedNode[] => {
      let tree: CannedNode[] = [{ text: 'deep' }];
      for (let level = levels; level >= 1; level--) tree = [{ title: `level ${level}`, items: tree }];
      return tree;
    };

    it(`nests categories ${CANNED_LIMITS.depth} deep, not ${CANNED_LIMITS.depth + 1}`, () => {
      expect(loadConfig({ CANNED_MESSAGES: JSON.stringify(nested(CANNED_LIMITS.depth)) }).cannedMessages).toEqual(nested(CANNED_LIMITS.depth));
      const list = problems(nested(CANNED_LIMITS.depth + 1));
      expect(list).toEqual([`CANNED_MESSAGES[0].items[0].items[0].items[0].items[0].items (environment variable): categories can nest at most ${CANNED_LIMITS.depth} levels deep`]);
    });

    it(`allows ${CANNED_LIMITS.itemsPerCategory} entries in one category, not more`, () => {
      expect(() => loadConfig({ CANNED_MESSAGES: JSON.stringify([category('Full', CANNED_LIMITS.itemsPerCategory)]) })).not.toThrow();
      expect(problems([category('Too full', CANNED_LIMITS.itemsPerCategory + 1)])).toEqual([
        `CANNED_MESSAGES[0].items (environment variable): has ${CANNED_LIMITS.itemsPerCategory + 1} entries; at most ${CANNED_LIMITS.itemsPerCategory} are allowed in one list`,
      ]);
      expect(problems(Array.from({ length: CANNED_LIMITS.itemsPerCategory + 1 }, () => ({ text: 'x' })))[0]).toMatch(/^CANNED_MESSAGES .*has 101 entries/);
    });

    it(`allows ${CANNED_LIMITS.totalItems} entries in all, not more`, () => {
      // 10 categories of 99 messages = 1000 entries with the categories; one more is too many.
      const full = Array.from({ length: 10 }, (_, i) => category(`c${i}`, 99));
      expect(() => loadConfig({ CANNED_MESSAGES: JSON.stringify(full) })).not.toThrow();
      expect(problems([...full, { text: 'one too many' }])).toEqual([
        `CANNED_MESSAGES (environment variable): has ${CANNED_LIMITS.totalItems + 1} entries in all; at most ${CANNED_LIMITS.totalItems} are allowed`,
      ]);
    });

    it(`caps a message at ${MAX_CHAT_CHARS} characters, a title at ${CANNED_LIMITS.titleChars} and the whole tree at ${CANNED_LIMITS.totalChars}`, () => {
      expect(problems([{ text: 'a'.repeat(MAX_CHAT_CHARS + 1) }])[0]).toMatch(
        new RegExp(`^CANNED_MESSAGES\\[0\\]\\.text .*is ${MAX_CHAT_CHARS + 1} characters long; a chat message is at most ${MAX_CHAT_CHARS}`),
      );
      expect(problems([{ title: 't'.repeat(CANNED_LIMITS.titleChars + 1), text: 'a' }])[0]).toMatch(/^CANNED_MESSAGES\[0\]\.title .*must be at most 120 characters/);
      // 21 messages of 10,000 characters: each is fine, together they are too much to download.
      const big = Array.from({ length: 21 }, () => ({ text: 'a'.repeat(MAX_CHAT_CHARS) }));
      expect(problems(big)).toEqual([`CANNED_MESSAGES (environment variable): holds 210000 characters in all; at most ${CANNED_LIMITS.totalChars} are allowed`]);
    });
  });

  it('the console parses the download with the same schema', () => {
    expect(v.is(CannedResponseSchema, { items: [category('A', 2)] })).toBe(true);
    expect(v.is(CannedResponseSchema, { items: [{ url: 'javascript:alert(1)' }] })).toBe(false);
    expect(v.is(CannedResponseSchema, { items: nestedTooDeep() })).toBe(false);
    expect(v.is(CannedResponseSchema, [])).toBe(false);
  });
});

function nestedTooDeep(): CannedNode[] {
  let tree: CannedNode[] = [{ text: 'deep' }];
  for (let level = CANNED_LIMITS.depth + 1; level >= 1; level--) tree = [{ title: `level ${level}`, items: tree }];
  return tree;
}
