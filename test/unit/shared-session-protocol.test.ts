import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_CHAT_CHARS, MAX_NAME_CHARS, parsePeerMessage } from '../../protocol/peer.ts';
import { MAX_HISTORY_LINES_PER_MESSAGE, MAX_NOTES_CHARS, MAX_PARTICIPANTS } from '../../protocol/shared-session.ts';
import { routePeerMessage, type Inbox } from '../../client/src/lib/peer-inbox.ts';
import { NudgeGate } from '../../client/src/lib/nudge.ts';
import { PeerFloodGuard } from '../../client/src/lib/peer-flood.ts';
import type { ParleyError } from '../../protocol/errors.ts';
import { codeOf } from './helpers.ts';

const line = { id: 'm_3f9a0c1d', text: 'Can you check the invoice?', sentAt: 1767225600000, author: { kind: 'rep', name: 'Ana' }, to: 'reps' };
const participant = { id: 'customer', name: 'Ada', kind: 'customer', host: false, status: 'present', hidden: false };
const valid = {
  line: { type: 'shared-line', ...line },
  history: { type: 'shared-history', lines: [{ ...line, to: 'all' }], done: true },
  emptyHistory: { type: 'shared-history', lines: [], done: true },
  participants: { type: 'participants', list: [participant] },
  notes: { type: 'notes-update', text: 'Customer on plan B', updatedAt: 1767225600000 },
  notice: { type: 'participant-notice', event: 'joined', name: 'Ana' },
  relayedChat: { type: 'chat', id: 'm_3f9a0c1d', text: 'Hello', sentAt: 1, author: 'Ana' },
  handover: { type: 'handover-ready', sid: 'A'.repeat(43), inviteId: 'B'.repeat(22) },
  handoverWithQueue: { type: 'handover-ready', sid: 'A'.repeat(43), inviteId: 'B'.repeat(22), queue: { id: 'billing', name: 'Billing' } },
  received: { type: 'shared-line-received', id: 'm_3f9a0c1d' },
};

describe('shared-session peer messages', () => {
  it.each(Object.entries(valid))('accepts a valid %s', (_name, message) => {
    expect(parsePeerMessage(message)).toMatchObject(message);
  });

  const malformed: [string, unknown][] = [
    ['a line for an unknown audience', { ...valid.line, to: 'customer' }],
    ['a line without an author', { ...valid.line, author: undefined }],
    ['a line by an unknown kind of author', { ...valid.line, author: { kind: 'admin', name: 'x' } }],
    ['an empty line', { ...valid.line, text: '' }],
    ['a line with a bad id', { ...valid.line, id: 'a b' }],
    ['a line with a negative time', { ...valid.line, sentAt: -1 }],
    ['history with lines not in an array', { ...valid.history, lines: 'x' }],
    ['history without done', { type: 'shared-history', lines: [] }],
    ['a participant with an unknown status', { type: 'participants', list: [{ ...participant, status: 'gone' }] }],
    ['a participant with a bad id', { type: 'participants', list: [{ ...participant, id: '../x' }] }],
    ['notes that are not text', { ...valid.notes, text: 42 }],
    ['a notice of an unknown event', { ...valid.notice, event: 'kicked' }],
    ['a chat author that is not text', { ...valid.relayedChat, author: 7 }],
    ['a handover queue with a bad id', { ...valid.handoverWithQueue, queue: { id: '../Billing', name: 'Billing' } }],
    ['a handover queue without a name', { ...valid.handoverWithQueue, queue: { id: 'billing', name: '' } }],
    ['a handover queue that is text', { ...valid.handoverWithQueue, queue: 'billing' }],
    ['a receipt without an id', { type: 'shared-line-received' }],
    ['a receipt with a bad id', { ...valid.received, id: '../m_3f9a0c1d' }],
    ['a receipt with an id that is a number', { ...valid.received, id: 12345678 }],
  ];
  it.each(malformed)('rejects %s as MALFORMED', (_name, message) => {
    expect(codeOf(() => parsePeerMessage(message))).toBe('MALFORMED');
  });

  const oversized: [string, unknown][] = [
    ['a line over the chat limit', { ...valid.line, text: 'x'.repeat(MAX_CHAT_CHARS + 1) }],
    ['an author name over the limit', { ...valid.line, author: { kind: 'rep', name: 'x'.repeat(MAX_NAME_CHARS + 1) } }],
    ['too many history lines in one part', { ...valid.history, lines: Array.from({ length: MAX_HISTORY_LINES_PER_MESSAGE + 1 }, () => line) }],
    ['too many participants', { type: 'participants', list: Array.from({ length: MAX_PARTICIPANTS + 1 }, () => participant) }],
    ['notes over the limit', { ...valid.notes, text: 'x'.repeat(MAX_NOTES_CHARS + 1) }],
    ['a relayed chat author over the limit', { ...valid.relayedChat, author: 'x'.repeat(MAX_NAME_CHARS + 1) }],
    ['a handover queue name over the limit', { ...valid.handoverWithQueue, queue: { id: 'billing', name: 'x'.repeat(MAX_NAME_CHARS + 1) } }],
    ['a handover queue id over 32 characters', { ...valid.handoverWithQueue, queue: { id: 'b'.repeat(33), name: 'Billing' } }],
    ['a receipt id over 64 characters', { ...valid.received, id: 'm'.repeat(65) }],
  ];
  it.each(oversized)('rejects %s', (_name, message) => {
    expect(() => parsePeerMessage(message)).toThrow();
  });
});

function inbox(role: 'rep' | 'customer') {
  const emitted: [string, unknown][] = [];
  const warnings: ParleyError[] = [];
  const box: Inbox = {
    role,
    emit: (event, payload) => emitted.push([event, payload]),
    warn: (err) => warnings.push(err),
    fail: (step) => step(),
    peerGone: () => {},
    peerAway: () => {},
    nudgesIn: new NudgeGate(),
    flood: new PeerFloodGuard(),
  };
  return { box, emitted, warnings };
}

describe('shared-session messages in the inbox', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes history, participants, notices and handovers only from the room rep (the host)', () => {
    for (const message of [valid.history, valid.participants, valid.notice, valid.handoverWithQueue]) {
      const atCustomer = inbox('customer');
      routePeerMessage(atCustomer.box, parsePeerMessage(message));
      expect(atCustomer.emitted).toEqual([['shared', message]]);
      const atRep = inbox('rep');
      routePeerMessage(atRep.box, parsePeerMessage(message));
      expect(atRep.emitted).toEqual([]);
      expect(atRep.warnings.map((w) => w.code)).toEqual(['MALFORMED']);
    }
  });

  it('takes lines, notes and receipts from either side', () => {
    for (const role of ['rep', 'customer'] as const) {
      const { box, emitted } = inbox(role);
      routePeerMessage(box, parsePeerMessage(valid.line));
      routePeerMessage(box, parsePeerMessage(valid.notes));
      routePeerMessage(box, parsePeerMessage(valid.received));
      expect(emitted).toEqual([['shared', valid.line], ['shared', valid.notes], ['shared', valid.received]]);
    }
  });

  it('drops the author of a chat from a customer (it cannot pose as a colleague)', () => {
    const { box, emitted, warnings } = inbox('rep');
    routePeerMessage(box, parsePeerMessage(valid.relayedChat));
    expect(emitted).toEqual([['chat', { type: 'chat', id: 'm_3f9a0c1d', text: 'Hello', sentAt: 1 }]]);
    expect(warnings.map((w) => w.code)).toEqual(['MALFORMED']);
  });

  it('keeps the author of a chat from the rep (a relayed colleague message)', () => {
    const { box, emitted } = inbox('customer');
    routePeerMessage(box, parsePeerMessage(valid.relayedChat));
    expect(emitted).toEqual([['chat', valid.relayedChat]]);
  });

  it('cuts a flood of lines, participants lists and notices', () => {
    vi.useFakeTimers({ now: 1_767_225_600_000 }); // the clock stands still: no refill during the loop
    for (const [message, limit] of [[valid.line, 100], [valid.participants, 20], [valid.notice, 10], [valid.history, 60], [valid.received, 200]] as const) {
      const { box, emitted, warnings } = inbox('customer');
      for (let i = 0; i < 500; i++) routePeerMessage(box, parsePeerMessage(message));
      expect(emitted.length).toBe(limit);
      expect(warnings.every((w) => w.code === 'PEER_FLOODING')).toBe(true);
    }
  });
});
