import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Chat, PeerMessage } from '../../protocol/peer.ts';
import { parsePeerMessage } from '../../protocol/peer.ts';
import { MAX_HISTORY_LINES, MAX_HISTORY_LINES_PER_MESSAGE, type HistoryLine, type SharedMessage } from '../../protocol/shared-session.ts';
import { CustomerGate, PrivateToCustomerError, type CustomerLink } from '../../client/src/lib/shared-session-gate.ts';
import { MAX_UNRECEIVED_LINES, SharedHost } from '../../client/src/lib/shared-session-host.ts';
import { SharedGuest } from '../../client/src/lib/shared-session-guest.ts';
import { ParleyError } from '../../protocol/errors.ts';

/** The customer's side of the link as a byte log: everything that would go on the wire, as JSON. */
class RecordingCustomer implements CustomerLink {
  readonly wire: string[] = [];
  private n = 0;
  sendChat(text: string, author?: string): Chat {
    const chat: Chat = { type: 'chat', id: `cust_msg_${++this.n}`, text, sentAt: 1, ...(author === undefined ? {} : { author }) };
    this.wire.push(JSON.stringify(parsePeerMessage(chat)));
    return chat;
  }
  sendPeer(message: PeerMessage): void {
    this.wire.push(JSON.stringify(parsePeerMessage(message)));
  }
}

class RecordingColleague {
  readonly got: SharedMessage[] = [];
  send(message: SharedMessage): void {
    // What arrives is what the validator lets through.
    this.got.push(parsePeerMessage(message) as SharedMessage);
  }
  lines(): HistoryLine[] {
    return this.got.flatMap((m) => (m.type === 'shared-line' ? [m] : m.type === 'shared-history' ? m.lines : []));
  }
}

function setup(historyMinutes = 10) {
  let time = 1_767_225_600_000;
  const customer = new RecordingCustomer();
  const host = new SharedHost({ gate: new CustomerGate(customer), hostName: 'Hana', customerName: () => 'Ada', historyMinutes, now: () => time });
  const colleague = (id: string, name: string) => {
    const link = new RecordingColleague();
    host.invited(id, name);
    host.joined(id, name, link);
    return link;
  };
  return { host, customer, colleague, advance: (ms: number) => (time += ms), now: () => time };
}

const chat = (id: string, text: string, sentAt = 1_767_225_600_000): Chat => ({ type: 'chat', id, text, sentAt });

describe('CustomerGate', () => {
  it('passes a line for everyone, with a colleague as its author', () => {
    const customer = new RecordingCustomer();
    new CustomerGate(customer).say({ text: 'Hi', to: 'all', author: 'Bo' });
    expect(JSON.parse(customer.wire[0]!)).toMatchObject({ type: 'chat', text: 'Hi', author: 'Bo' });
  });

  it('refuses a private line and a hidden rep, sending nothing', () => {
    const customer = new RecordingCustomer();
    const gate = new CustomerGate(customer);
    expect(() => gate.say({ text: 'secret', to: 'reps' })).toThrow(PrivateToCustomerError);
    expect(() => gate.announce({ name: 'Bo', hidden: true }, 'joined')).toThrow(PrivateToCustomerError);
    expect(customer.wire).toEqual([]);
  });
});

describe('SharedHost', () => {
  it('hands a joining rep the recent history only, oldest first', () => {
    const { host, colleague, advance } = setup(10);
    host.customerSaid(chat('m_old_line', 'too old'));
    advance(11 * 60_000);
    host.customerSaid(chat('m_recent_1', 'my printer is offline'));
    host.hostSaid(chat('m_recent_2', 'let me look'));
    const b = colleague('inviteB_0000000000000', 'Bo');
    const history = b.got.filter((m) => m.type === 'shared-history');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ done: true, lines: [{ id: 'm_recent_1', author: { kind: 'customer', name: 'Ada' } }, { id: 'm_recent_2', author: { kind: 'rep', name: 'Hana' } }] });
  });

  it('a joining rep also gets what was said before the first invitation (seeded from the transcript), within the window', () => {
    const { host, colleague, customer, now } = setup(10);
    host.seed([
      { id: 'm_before_0', text: 'an hour ago', sentAt: now() - 60 * 60_000, author: { kind: 'customer', name: 'Ada' }, to: 'all' },
      { id: 'm_before_1', text: 'my printer is offline', sentAt: now() - 60_000, author: { kind: 'customer', name: 'Ada' }, to: 'all' },
    ]);
    host.hostSaid(chat('m_after_01', 'let me ask a colleague'));
    expect(customer.wire).toEqual([]); // seeding sends nothing
    const b = colleague('inviteB_0000000000000', 'Bo');
    expect(b.lines().map((l) => l.text)).toEqual(['my printer is offline', 'let me ask a colleague']);
  });

  it('sends long history in parts, the last marked done', () => {
    const { host, colleague } = setup();
    for (let i = 0; i < MAX_HISTORY_LINES_PER_MESSAGE * 2 + 1; i++) host.customerSaid(chat(`m_line_${String(i).padStart(4, '0')}`, `line ${i}`));
    const b = colleague('inviteB_0000000000000', 'Bo');
    const parts = b.got.filter((m) => m.type === 'shared-history');
    expect(parts.map((p) => [p.lines.length, p.done])).toEqual([[40, false], [40, false], [1, true]]);
  });

  it('relays the customer to colleagues and a colleague to the customer under its own name', () => {
    const { host, customer, colleague } = setup();
    const b = colleague('inviteB_0000000000000', 'Bo');
    host.customerSaid(chat('m_cust_0001', 'hello?'));
    expect(b.lines().at(-1)).toMatchObject({ id: 'm_cust_0001', text: 'hello?', to: 'all' });
    // B claims to be someone else: the host names it by its link.
    host.receive('inviteB_0000000000000', { type: 'shared-line', id: 'm_from_b_01', text: 'I can help', sentAt: 5, author: { kind: 'customer', name: 'Ada' }, to: 'all' });
    expect(customer.wire.map((w) => JSON.parse(w))).toEqual([expect.objectContaining({ type: 'chat', text: 'I can help', author: 'Bo' })]);
  });

  it('passes private lines between colleagues and never to the customer', () => {
    const { host, customer, colleague } = setup();
    const b = colleague('inviteB_0000000000000', 'Bo');
    const c = colleague('inviteC_0000000000000', 'Cy');
    host.sayToReps('host only note');
    host.receive('inviteB_0000000000000', { type: 'shared-line', id: 'm_from_b_02', text: 'b private', sentAt: 5, author: { kind: 'rep', name: 'Bo' }, to: 'reps' });
    expect(c.lines().map((l) => [l.text, l.to, l.author.name])).toEqual([['host only note', 'reps', 'Hana'], ['b private', 'reps', 'Bo']]);
    expect(b.lines().map((l) => l.text)).toEqual(['host only note']); // its own line is not echoed back
    expect(customer.wire).toEqual([]);
  });

  it('refuses a private line when no colleague is there to read it', () => {
    const { host } = setup();
    expect(() => host.sayToReps('nobody')).toThrow();
  });

  describe('receipts for reps-only lines', () => {
    const B = 'inviteB_0000000000000';
    const C = 'inviteC_0000000000000';
    const receipts = (link: RecordingColleague) => link.got.filter((m) => m.type === 'shared-line-received').map((m) => (m as { id: string }).id);
    const privateLine = (id: string) => ({ type: 'shared-line', id, text: 'between us', sentAt: 5, author: { kind: 'rep', name: 'x' }, to: 'reps' }) as const;
    function withDelivered() {
      const t = setup();
      const delivered: string[] = [];
      t.host.on('delivered', (id) => delivered.push(id));
      return { ...t, delivered };
    }

    it('the host\'s line is delivered once every colleague present has it, and only once', () => {
      const { host, colleague, delivered } = withDelivered();
      colleague(B, 'Bo');
      colleague(C, 'Cy');
      const line = host.sayToReps('for both of you');
      host.receive(B, { type: 'shared-line-received', id: line.id });
      expect(delivered).toEqual([]);
      host.receive(B, { type: 'shared-line-received', id: line.id }); // B again does not count for C
      expect(delivered).toEqual([]);
      host.receive(C, { type: 'shared-line-received', id: line.id });
      host.receive(C, { type: 'shared-line-received', id: line.id });
      expect(delivered).toEqual([line.id]);
    });

    it('a colleague\'s line: its author hears it was received once the other colleagues have it (at once when there are none)', () => {
      const { host, colleague } = withDelivered();
      const b = colleague(B, 'Bo');
      host.receive(B, privateLine('m_from_b_alone'));
      expect(receipts(b)).toEqual(['m_from_b_alone']); // the host has it, and nobody else was to get it
      const c = colleague(C, 'Cy');
      host.receive(B, privateLine('m_from_b_both'));
      expect(receipts(b)).toEqual(['m_from_b_alone']);
      host.receive(C, { type: 'shared-line-received', id: 'm_from_b_both' });
      expect(receipts(b)).toEqual(['m_from_b_alone', 'm_from_b_both']);
      expect(receipts(c)).toEqual([]);
    });

    it('ignores receipts for lines to everyone, unknown ids, and from colleagues the line did not go to', () => {
      const { host, colleague, delivered } = withDelivered();
      const b = colleague(B, 'Bo');
      const line = host.sayToReps('before C came');
      colleague(C, 'Cy');
      host.receive(C, { type: 'shared-line-received', id: line.id }); // C never got it
      host.receive(B, { type: 'shared-line-received', id: 'm_made_up_id' });
      host.receive(B, { type: 'shared-line', id: 'm_to_everyone', text: 'hi', sentAt: 5, author: { kind: 'rep', name: 'Bo' }, to: 'all' });
      expect(delivered).toEqual([]);
      expect(receipts(b)).toEqual([]);
      host.receive(B, { type: 'shared-line-received', id: line.id });
      expect(delivered).toEqual([line.id]);
    });

    it('a colleague leaving: lines waiting on it stay "Sent", and lines of its own are forgotten', () => {
      const { host, colleague, delivered } = withDelivered();
      colleague(B, 'Bo');
      const c = colleague(C, 'Cy');
      const line = host.sayToReps('will C read it?');
      host.receive(B, { type: 'shared-line-received', id: line.id });
      host.receive(C, privateLine('m_from_c_left'));
      host.left(C);
      host.receive(B, { type: 'shared-line-received', id: 'm_from_c_left' });
      expect(delivered).toEqual([]);
      expect(receipts(c)).toEqual([]);
    });

    it('a colleague\'s line to everyone is delivered when the customer\'s browser acknowledges the chat it went as', () => {
      const { host, colleague, customer } = withDelivered();
      const b = colleague(B, 'Bo');
      host.receive(B, { type: 'shared-line', id: 'm_from_b_public', text: 'Hi Ada', sentAt: 5, author: { kind: 'rep', name: 'Bo' }, to: 'all' });
      const relayed = JSON.parse(customer.wire.at(-1)!) as { id: string };
      host.customerReceived('m_other_chat'); // the host's own line, say: nothing for B
      expect(receipts(b)).toEqual([]);
      host.customerReceived(relayed.id);
      host.customerReceived(relayed.id);
      expect(receipts(b)).toEqual(['m_from_b_public']);
    });

    it('a colleague who left before the customer acknowledged its line gets nothing, and nothing is kept', () => {
      const { host, colleague, customer } = withDelivered();
      const b = colleague(B, 'Bo');
      host.receive(B, { type: 'shared-line', id: 'm_from_b_public', text: 'Hi Ada', sentAt: 5, author: { kind: 'rep', name: 'Bo' }, to: 'all' });
      const relayed = JSON.parse(customer.wire.at(-1)!) as { id: string };
      host.left(B);
      host.joined(B, 'Bo', b); // back on a new link with the same id: the old line is not its
      host.customerReceived(relayed.id);
      expect(receipts(b)).toEqual([]);
    });

    it('drops a colleague\'s line reusing an id already in the conversation: the real author\'s receipt still comes', () => {
      const { host, colleague, delivered } = withDelivered();
      colleague(B, 'Bo');
      const c = colleague(C, 'Cy');
      const warnings: string[] = [];
      host.on('warning', (w) => warnings.push(w.code));
      const line = host.sayToReps('mine');
      host.receive(C, privateLine(line.id)); // C tries to take the host's line over
      expect(warnings).toEqual(['REPLAYED']);
      expect(c.lines().filter((l) => l.id === line.id)).toHaveLength(1); // not passed on again
      host.receive(B, { type: 'shared-line-received', id: line.id });
      host.receive(C, { type: 'shared-line-received', id: line.id });
      expect(delivered).toEqual([line.id]);
    });

    it('forgets the oldest lines beyond MAX_UNRECEIVED_LINES when a colleague never answers', () => {
      const { host, colleague, delivered } = withDelivered();
      colleague(B, 'Bo');
      const first = host.sayToReps('line 0');
      const ids = Array.from({ length: MAX_UNRECEIVED_LINES }, (_, i) => host.sayToReps(`line ${i + 1}`).id);
      host.receive(B, { type: 'shared-line-received', id: first.id });
      host.receive(B, { type: 'shared-line-received', id: ids.at(-1)! });
      expect(delivered).toEqual([ids.at(-1)]);
    });
  });

  it('lists participants with invited and hidden reps, and tells the customer only about shown ones', () => {
    const { host, customer, colleague } = setup();
    const b = colleague('inviteB_0000000000000', 'Bo');
    host.invited('inviteC_0000000000000', 'Cy');
    expect(host.participants().map((p) => [p.name, p.status, p.hidden, p.host])).toEqual([
      ['Ada', 'present', false, false],
      ['Hana', 'present', false, true],
      ['Bo', 'present', true, false],
      ['Cy', 'invited', true, false],
    ]);
    expect(customer.wire).toEqual([]);
    host.show('inviteB_0000000000000', true);
    expect(JSON.parse(customer.wire[0]!)).toEqual({ type: 'participant-notice', event: 'joined', name: 'Bo' });
    const last = b.got.filter((m) => m.type === 'participants').at(-1);
    expect(last?.type === 'participants' && last.list.find((p) => p.name === 'Bo')?.hidden).toBe(false);
    host.inviteEnded('inviteC_0000000000000');
    expect(host.participants().map((p) => p.name)).toEqual(['Ada', 'Hana', 'Bo']);
  });

  it('ignores lines from a colleague that is not present (left, or never joined)', () => {
    const { host, customer } = setup();
    host.invited('inviteB_0000000000000', 'Bo');
    host.receive('inviteB_0000000000000', { type: 'shared-line', id: 'm_from_b_03', text: 'early', sentAt: 5, author: { kind: 'rep', name: 'Bo' }, to: 'all' });
    host.receive('nobody', { type: 'shared-line', id: 'm_from_x_03', text: 'who', sentAt: 5, author: { kind: 'rep', name: 'X' }, to: 'all' });
    expect(customer.wire).toEqual([]);
  });

  it('passes a colleague\'s notes on to the others under its name', () => {
    const { host, colleague } = setup();
    colleague('inviteB_0000000000000', 'Bo');
    const c = colleague('inviteC_0000000000000', 'Cy');
    const seen: string[] = [];
    host.on('notes', (n) => seen.push(`${n.name}: ${n.text}`));
    host.receive('inviteB_0000000000000', { type: 'notes-update', text: 'plan B', updatedAt: 9, author: 'Mallory' });
    expect(seen).toEqual(['Bo: plan B']);
    expect(c.got.filter((m) => m.type === 'notes-update')).toEqual([{ type: 'notes-update', text: 'plan B', updatedAt: 9, author: 'Bo' }]);
  });

  it('names the chat\'s queue in a transfer\'s handover, and refuses one to a colleague not present', () => {
    const { host, colleague } = setup();
    const b = colleague('inviteB_0000000000000', 'Bo');
    host.handoverReady('inviteB_0000000000000', 'S'.repeat(43), 'I'.repeat(22), { id: 'billing', name: 'Billing' });
    expect(b.got.filter((m) => m.type === 'handover-ready')).toEqual([{ type: 'handover-ready', sid: 'S'.repeat(43), inviteId: 'I'.repeat(22), queue: { id: 'billing', name: 'Billing' } }]);
    host.invited('inviteC_0000000000000', 'Cy');
    expect(() => host.handoverReady('inviteC_0000000000000', 'S'.repeat(43), 'I'.repeat(22))).toThrow(/not present/);
  });

  /**
   * The privacy property: whatever mix of lines, joins, shows and hides happens, no private text
   * and no hidden rep's name ever reaches the customer's wire.
   */
  it('never lets a private line or a hidden rep reach the customer (property)', () => {
    const ids = ['inviteB_0000000000000', 'inviteC_0000000000000'];
    const names = ['Bo-secret-name', 'Cy-secret-name'];
    const step = fc.oneof(
      fc.record({ op: fc.constant('customer' as const), text: fc.string({ minLength: 1, maxLength: 20 }) }),
      fc.record({ op: fc.constant('host-all' as const), text: fc.string({ minLength: 1, maxLength: 20 }) }),
      fc.record({ op: fc.constant('host-private' as const), n: fc.nat(1000) }),
      fc.record({ op: fc.constant('colleague' as const), who: fc.nat(1), to: fc.constantFrom('all' as const, 'reps' as const), n: fc.nat(1000) }),
      fc.record({ op: fc.constantFrom('join' as const, 'show' as const, 'hide' as const, 'leave' as const, 'invite' as const), who: fc.nat(1) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const { host, customer } = setup();
        const shown = new Set<number>();
        const everShown = new Set<number>();
        for (const s of steps) {
          try {
            switch (s.op) {
              case 'customer': host.customerSaid(chat(`m_c_${steps.indexOf(s)}_xxxx`, s.text)); break;
              case 'host-all': host.hostSaid(chat(`m_h_${steps.indexOf(s)}_xxxx`, s.text)); break;
              case 'host-private': host.sayToReps(`PRIVATE-${s.n}`); break;
              case 'colleague': {
                const text = s.to === 'reps' ? `PRIVATE-${s.n}` : `public ${s.n}`;
                host.receive(ids[s.who]!, { type: 'shared-line', id: `m_b_${s.n}_xxxxx`, text, sentAt: 1, author: { kind: 'rep', name: 'x' }, to: s.to });
                break;
              }
              case 'invite': host.invited(ids[s.who]!, names[s.who]!); shown.delete(s.who); break;
              case 'join': host.joined(ids[s.who]!, names[s.who]!, new RecordingColleague()); shown.delete(s.who); break;
              case 'show': host.show(ids[s.who]!, true); if (host.present().some((p) => p.id === ids[s.who] && !p.hidden)) { shown.add(s.who); everShown.add(s.who); } break;
              case 'hide': host.show(ids[s.who]!, false); shown.delete(s.who); break;
              case 'leave': host.left(ids[s.who]!); shown.delete(s.who); break;
            }
          } catch {
            // refusals (no colleague to read a private line) are fine: the property is about the wire
          }
        }
        const wire = customer.wire.join('\n');
        expect(wire).not.toContain('PRIVATE-');
        names.forEach((name, who) => {
          if (!everShown.has(who)) expect(wire.includes(`"name":"${name}"`)).toBe(false);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('SharedGuest', () => {
  function guest() {
    const sent: SharedMessage[] = [];
    const g = new SharedGuest({ send: (m) => sent.push(m) }, 'Bo', () => 42);
    const lines: string[] = [];
    g.on('line', (l) => lines.push(`${l.history ? 'H' : 'L'}:${l.text}`));
    const warnings: string[] = [];
    g.on('warning', (w) => warnings.push(w.code));
    return { g, sent, lines, warnings };
  }
  const hline = (id: string, text: string): HistoryLine => ({ id, text, sentAt: 1, author: { kind: 'customer', name: 'Ada' }, to: 'all' });

  it('shows history, then live lines, each id once (a replayed line is dropped)', () => {
    const { g, lines } = guest();
    g.receive({ type: 'shared-history', lines: [hline('m_line_0001', 'one')], done: false });
    g.receive({ type: 'shared-history', lines: [hline('m_line_0002', 'two')], done: true });
    g.receive({ type: 'shared-line', ...hline('m_line_0002', 'two') });
    g.receive({ type: 'shared-line', ...hline('m_line_0003', 'three') });
    g.receive({ type: 'shared-line', ...hline('m_line_0003', 'three') });
    expect(lines).toEqual(['H:one', 'H:two', 'L:three']);
    expect(g.lines.map((l) => l.id)).toEqual(['m_line_0001', 'm_line_0002', 'm_line_0003']);
  });

  it('refuses history after its end and caps its length', () => {
    const { g, lines, warnings } = guest();
    for (let part = 0; part * MAX_HISTORY_LINES_PER_MESSAGE <= MAX_HISTORY_LINES; part++) {
      g.receive({ type: 'shared-history', lines: Array.from({ length: MAX_HISTORY_LINES_PER_MESSAGE }, (_, i) => hline(`m_p${part}_l${i}_xx`, 'x')), done: false });
    }
    expect(lines).toHaveLength(MAX_HISTORY_LINES);
    expect(warnings).toContain('PAYLOAD_TOO_LARGE');
    g.receive({ type: 'shared-history', lines: [], done: true });
    g.receive({ type: 'shared-history', lines: [hline('m_late_line', 'late')], done: true });
    expect(warnings).toContain('REPLAYED');
    expect(lines).toHaveLength(MAX_HISTORY_LINES);
  });

  it('acknowledges each live reps-only line once (not history, not lines to everyone)', () => {
    const { g, sent } = guest();
    const reps = (id: string): HistoryLine => ({ ...hline(id, 'psst'), author: { kind: 'rep', name: 'Hana' }, to: 'reps' });
    g.receive({ type: 'shared-history', lines: [reps('m_old_private')], done: true });
    g.receive({ type: 'shared-line', ...reps('m_new_private') });
    g.receive({ type: 'shared-line', ...reps('m_new_private') });
    g.receive({ type: 'shared-line', ...hline('m_to_everyone', 'hi') });
    expect(sent).toEqual([{ type: 'shared-line-received', id: 'm_new_private' }]);
  });

  it('marks its own lines delivered on the host\'s receipt, once each; receipts for other ids change nothing', () => {
    const { g } = guest();
    const delivered: string[] = [];
    g.on('delivered', (id) => delivered.push(id));
    const mine = g.say('between reps', 'reps');
    const public_ = g.say('to everyone', 'all');
    g.receive({ type: 'shared-line', ...hline('m_from_customer', 'hello') });
    g.receive({ type: 'shared-line-received', id: 'm_from_customer' });
    g.receive({ type: 'shared-line-received', id: 'm_someone_else' });
    g.receive({ type: 'shared-line-received', id: mine.id });
    g.receive({ type: 'shared-line-received', id: mine.id });
    g.receive({ type: 'shared-line-received', id: public_.id });
    expect(delivered).toEqual([mine.id, public_.id]);
  });

  it('a receipt the link cannot take is a warning, not an exception in the message handler', () => {
    const g = new SharedGuest({ send: (m) => { if (m.type === 'shared-line-received') throw new ParleyError('PEER_GONE', 'link down'); } }, 'Bo', () => 42);
    const warnings: string[] = [];
    g.on('warning', (w) => warnings.push(w.code));
    g.receive({ type: 'shared-line', ...hline('m_private_01', 'psst'), to: 'reps' });
    expect(warnings).toEqual(['PEER_GONE']);
    expect(g.lines.map((l) => l.id)).toEqual(['m_private_01']);
  });

  it('sends its own lines to the host with the audience chosen, and keeps them', () => {
    const { g, sent } = guest();
    const line = g.say('just between us', 'reps');
    expect(sent).toEqual([{ type: 'shared-line', id: line.id, text: 'just between us', sentAt: 42, author: { kind: 'rep', name: 'Bo' }, to: 'reps' }]);
    expect(g.lines).toEqual([line]);
  });

  it('passes the handover on with the queue the host named (none for a code session)', () => {
    const { g } = guest();
    const ready: unknown[] = [];
    g.on('handover-ready', (r) => ready.push(r));
    g.receive({ type: 'handover-ready', sid: 'S'.repeat(43), inviteId: 'I'.repeat(22), queue: { id: 'billing', name: 'Billing' } });
    g.receive({ type: 'handover-ready', sid: 'S'.repeat(43), inviteId: 'I'.repeat(22) });
    expect(ready).toEqual([
      { sid: 'S'.repeat(43), inviteId: 'I'.repeat(22), queue: { id: 'billing', name: 'Billing' } },
      { sid: 'S'.repeat(43), inviteId: 'I'.repeat(22) },
    ]);
  });

  it('keeps participants and notes, and warns about a customer notice', () => {
    const { g, warnings } = guest();
    const notes: string[] = [];
    g.on('notes', (n) => notes.push(`${n.name}:${n.text}`));
    g.receive({ type: 'participants', list: [{ id: 'host', name: 'Hana', kind: 'rep', host: true, status: 'present', hidden: false }] });
    g.receive({ type: 'notes-update', text: 'plan B', updatedAt: 1, author: 'Hana' });
    g.receive({ type: 'participant-notice', event: 'joined', name: 'x' });
    expect(g.participants.map((p) => p.name)).toEqual(['Hana']);
    expect(notes).toEqual(['Hana:plan B']);
    expect(warnings).toEqual(['MALFORMED']);
  });
});

describe('private lines in a rep\'s exports', () => {
  it('are marked "Reps only" in Markdown and JSON, and a colleague\'s line is not the rep\'s own', async () => {
    const { chat: line, input, repSession } = await import('./report-fixtures.ts');
    const { toMarkdownReport } = await import('../../client/src/lib/report/markdown.ts');
    const { toJsonReport } = await import('../../client/src/lib/report/json.ts');
    const { buildReport } = await import('../../client/src/lib/report/model.ts');
    const events = [
      line('my printer is offline'),
      line('customer is on the legacy plan', { from: 'rep', name: 'Bo', colleague: true, private: true }),
      line('Hi, Bo here', { from: 'rep', name: 'Bo', colleague: true }),
    ];
    const report = buildReport(input({ session: repSession, events }));
    expect(report.entries.filter((e) => e.kind === 'chat').map((e) => e.kind === 'chat' && [e.name, e.own, e.private ?? false])).toEqual([
      ['Ada', false, false],
      ['Bo', false, true],
      ['Bo', false, false],
    ]);
    const md = toMarkdownReport(input({ session: repSession, events }));
    expect(md).toContain('**Bo (🔒 Reps only):** customer is on the legacy plan');
    expect(md).not.toContain('**Bo (🔒 Reps only):** Hi, Bo here');
    const json = JSON.parse(toJsonReport(input({ session: repSession, events }))) as { events: { text: string; private?: boolean }[] };
    expect(json.events.filter((e) => e.private).map((e) => e.text)).toEqual(['customer is on the legacy plan']);
  });
});

describe('files between reps in a rep\'s exports', () => {
  it('keep their steps marked "Reps only" in Markdown, HTML and JSON; the customer\'s files are not marked', async () => {
    const { system, input, repSession } = await import('./report-fixtures.ts');
    const { toMarkdownReport } = await import('../../client/src/lib/report/markdown.ts');
    const { toJsonReport } = await import('../../client/src/lib/report/json.ts');
    const { toHtmlReport } = await import('../../client/src/lib/report/html.ts');
    const params = { batch: 'b_00000001', fid: 'f_00000001', file: 'refund.txt', size: '8 kB', sha256: 'a'.repeat(64), name: 'Bo' };
    const events = [
      { ...system('event.fileReceived', params, 'success'), private: true },
      system('event.fileReceived', { ...params, file: 'crash.log', name: 'Ada' }, 'success'),
    ];
    const md = toMarkdownReport(input({ session: repSession, events }));
    expect(md.split('\n').find((l) => l.includes('refund'))).toContain('(🔒 Reps only)');
    expect(md.split('\n').find((l) => l.includes('crash'))).not.toContain('Reps only');
    const json = JSON.parse(toJsonReport(input({ session: repSession, events }))) as { events: { text: string; private?: boolean }[] };
    expect(json.events.filter((e) => e.private).map((e) => e.text)).toEqual([expect.stringContaining('refund.txt')]);
    const html = toHtmlReport(input({ session: repSession, events }));
    const refundRow = html.split('<tr').find((row) => row.includes('refund.txt'));
    expect(refundRow).toContain('🔒 Reps only');
    expect(html.split('<tr').find((row) => row.includes('crash.log'))).not.toContain('Reps only');
  });
});
