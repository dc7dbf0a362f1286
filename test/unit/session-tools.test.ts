/**
 * Session tools: the wire messages (offer, offer-pick, session-end, survey-answers), their
 * routing by role and flood limits, the survey answer check, and the SessionTools logic
 * (a pick for an unknown offer or a second pick is ignored with a warning, never a crash).
 */
import { describe, expect, it, vi } from 'vitest';
import { NudgeGate } from '../../client/src/lib/nudge.ts';
import { PEER_FLOOD_RULES } from '../../client/src/lib/peer-flood.ts';
import { routePeerMessage, type Inbox } from '../../client/src/lib/peer-inbox.ts';
import { SessionTools, type ToolsHost } from '../../client/src/lib/tools/session-tools.svelte.ts';
import { offersFromEvents } from '../../client/src/lib/tools/offers.ts';
import { splitJoinFragment } from '../../client/src/lib/tools/identity-link.ts';
import type { ParleyError } from '../../protocol/errors.ts';
import { parsePeerMessage, type PeerMessage } from '../../protocol/peer.ts';
import { MAX_OFFER_CHOICE_CHARS, MAX_OFFER_TEXT_CHARS, MAX_SURVEY_TEXT_CHARS, SURVEY_WINDOW_MS, surveyAnswersFit } from '../../protocol/session-tools.ts';
import type { SurveyQuestion } from '../../protocol/survey.ts';
import type { TranscriptEvent } from '../../client/src/lib/transcript.ts';
import { codeOf } from './helpers.ts';

const ID = 'o_3f9a0c1dQx_';
const QUESTIONS: SurveyQuestion[] = [
  { id: 'overall', kind: 'rating', text: 'How did we do?' },
  { id: 'fixed', kind: 'choice', text: 'Fixed?', choices: ['Yes', 'No'] },
  { id: 'comment', kind: 'text', text: 'Anything else?' },
];

const valid = {
  offer: { type: 'offer', id: ID, text: 'Which printer?', choices: ['Office', 'Home'] },
  offerEight: { type: 'offer', id: ID, text: 'Pick', choices: ['1', '2', '3', '4', '5', '6', '7', '8'] },
  pick: { type: 'offer-pick', id: ID, choice: 1 },
  solved: { type: 'session-end', outcome: 'solved', survey: QUESTIONS },
  cancelled: { type: 'session-end', outcome: 'cancelled', survey: [] },
  answers: { type: 'survey-answers', answers: [{ id: 'overall', rating: 5 }, { id: 'comment', text: 'Thanks' }] },
  customerEnding: { type: 'customer-ending' },
} as const;

describe('session tools messages', () => {
  it.each(Object.entries(valid))('accepts %s', (_name, message) => {
    expect(parsePeerMessage(structuredClone(message))).toEqual(message);
  });

  it.each([
    ['an offer with one choice', { ...valid.offer, choices: ['Only'] }],
    ['an offer with nine choices', { ...valid.offer, choices: Array.from({ length: 9 }, (_, i) => `c${i}`) }],
    ['an offer with a blank choice', { ...valid.offer, choices: ['A', '  '] }],
    ['an offer with a blank question', { ...valid.offer, text: ' ' }],
    ['an oversized question', { ...valid.offer, text: 'x'.repeat(MAX_OFFER_TEXT_CHARS + 1) }],
    ['an oversized choice', { ...valid.offer, choices: ['A', 'x'.repeat(MAX_OFFER_CHOICE_CHARS + 1)] }],
    ['an offer with a bad id', { ...valid.offer, id: 'short' }],
    ['a pick with a negative index', { ...valid.pick, choice: -1 }],
    ['a pick with a fractional index', { ...valid.pick, choice: 0.5 }],
    ['a pick past the largest offer', { ...valid.pick, choice: 8 }],
    ['a pick as a string', { ...valid.pick, choice: '1' }],
    ['an unknown outcome', { ...valid.solved, outcome: 'won' }],
    ['a session-end without survey', { type: 'session-end', outcome: 'solved' }],
    ['too many survey questions', { ...valid.solved, survey: Array.from({ length: 21 }, (_, i) => ({ id: `q${i}`, kind: 'text', text: 'Q' })) }],
    ['a rating of 6', { type: 'survey-answers', answers: [{ id: 'overall', rating: 6 }] }],
    ['a rating of 0', { type: 'survey-answers', answers: [{ id: 'overall', rating: 0 }] }],
    ['an oversized text answer', { type: 'survey-answers', answers: [{ id: 'comment', text: 'x'.repeat(MAX_SURVEY_TEXT_CHARS + 1) }] }],
    ['too many answers', { type: 'survey-answers', answers: Array.from({ length: 21 }, (_, i) => ({ id: `q${i}`, rating: 3 })) }],
  ])('rejects %s as MALFORMED', (_name, message) => {
    expect(codeOf(() => parsePeerMessage(message))).toBe('MALFORMED');
  });
});

describe('surveyAnswersFit', () => {
  it('keeps fitting answers (an empty text is no answer)', () => {
    expect(surveyAnswersFit(QUESTIONS, [{ id: 'overall', rating: 4 }, { id: 'fixed', choice: 1 }, { id: 'comment', text: '  ' }])).toEqual([
      { id: 'overall', rating: 4 },
      { id: 'fixed', choice: 1 },
    ]);
  });

  it.each([
    ['an unknown question', [{ id: 'nope', rating: 4 }]],
    ['the same question twice', [{ id: 'overall', rating: 4 }, { id: 'overall', rating: 5 }]],
    ['a text for a rating', [{ id: 'overall', text: 'great' }]],
    ['a rating for a choice', [{ id: 'fixed', rating: 2 }]],
    ['a choice out of range', [{ id: 'fixed', choice: 2 }]],
    ['two kinds in one answer', [{ id: 'overall', rating: 4, text: 'and more' }]],
    ['nothing in an answer', [{ id: 'overall' }]],
  ])('refuses the whole set for %s', (_name, answers) => {
    expect(surveyAnswersFit(QUESTIONS, answers)).toBeNull();
  });
});

describe('routing by role and flood limits', () => {
  function inbox(role: 'rep' | 'customer') {
    const emitted: PeerMessage[] = [];
    const warnings: ParleyError[] = [];
    const box: Inbox = {
      role,
      emit: (event, payload) => void (event === 'tool' && emitted.push(payload as PeerMessage)),
      warn: (err) => void warnings.push(err),
      fail: (step) => step(),
      peerGone: () => undefined,
      peerAway: () => undefined,
      nudgesIn: new NudgeGate(),
    };
    return { box, emitted, warnings };
  }

  it('offers and endings reach only a customer; picks and answers only a rep', () => {
    const customer = inbox('customer');
    const rep = inbox('rep');
    for (const message of Object.values(valid)) {
      routePeerMessage(customer.box, message as PeerMessage);
      routePeerMessage(rep.box, message as PeerMessage);
    }
    expect(customer.emitted.map((m) => m.type)).toEqual(['offer', 'offer', 'session-end', 'session-end']);
    expect(rep.emitted.map((m) => m.type)).toEqual(['offer-pick', 'survey-answers', 'customer-ending']);
    expect(customer.warnings).toHaveLength(3);
    expect(rep.warnings).toHaveLength(4);
  });

  it('an offer flood on a customer makes at most the bucket of cards; endings and answers are cut sooner', () => {
    const { box, emitted, warnings } = inbox('customer');
    for (let i = 0; i < 500; i++) routePeerMessage(box, valid.offer as unknown as PeerMessage);
    expect(emitted).toHaveLength(PEER_FLOOD_RULES.offer!.capacity);
    expect(warnings.every((w) => w.code === 'PEER_FLOODING')).toBe(true);
    for (let i = 0; i < 50; i++) routePeerMessage(box, valid.cancelled as unknown as PeerMessage);
    expect(emitted.filter((m) => m.type === 'session-end')).toHaveLength(PEER_FLOOD_RULES['session-end']!.capacity);
    const rep = inbox('rep');
    for (let i = 0; i < 50; i++) routePeerMessage(rep.box, valid.answers as unknown as PeerMessage);
    expect(rep.emitted).toHaveLength(PEER_FLOOD_RULES['survey-answers']!.capacity);
    const ending = inbox('rep');
    for (let i = 0; i < 50; i++) routePeerMessage(ending.box, valid.customerEnding as unknown as PeerMessage);
    expect(ending.emitted).toHaveLength(PEER_FLOOD_RULES['customer-ending']!.capacity);
  });
});

/** A SessionTools over an in-memory log, as SessionView wires it (`deskSurvey`: the rep's desk questions). */
function tools(role: 'rep' | 'customer', connected = true, deskSurvey: () => Promise<readonly SurveyQuestion[]> = async () => QUESTIONS) {
  const events: TranscriptEvent[] = [];
  const sent: PeerMessage[] = [];
  const warnings: ParleyError[] = [];
  const patches: object[] = [];
  const host: ToolsHost & { ended: number; outcome: string | null } = {
    role,
    ended: 0,
    outcome: null,
    send: (m) => void sent.push(m),
    log: async (key, params, level) => void events.push({ kind: 'system', key, params, level, at: 0, sessionId: 's', seq: events.length }),
    warn: (err) => void warnings.push(err),
    saveRecord: (patch) => void patches.push(patch),
    setOutcome: (o) => void (host.outcome = o),
    end: () => void host.ended++,
    events: () => events,
    peerName: () => (role === 'rep' ? 'Ada' : 'Sam'),
    connected: () => connected,
    deskSurvey,
  };
  return { t: new SessionTools(host), host, events, sent, warnings, patches };
}

describe('SessionTools: offers', () => {
  it('the rep sends an offer, logs it, and takes one pick', () => {
    const { t, sent, warnings, events } = tools('rep');
    t.sendOffer(' Which printer? ', ['Office', '', ' Home ']);
    const offer = sent[0] as Extract<PeerMessage, { type: 'offer' }>;
    expect(offer).toMatchObject({ type: 'offer', text: 'Which printer?', choices: ['Office', 'Home'] });
    t.receive({ type: 'offer-pick', id: offer.id, choice: 1 });
    t.receive({ type: 'offer-pick', id: offer.id, choice: 0 }); // twice
    t.receive({ type: 'offer-pick', id: 'unknown_offer', choice: 0 }); // unknown
    expect(warnings.map((w) => w.code)).toEqual(['MALFORMED', 'MALFORMED']);
    expect(offersFromEvents(events)).toEqual([{ id: offer.id, question: 'Which printer?', choices: ['Office', 'Home'], picked: 1, own: true }]);
  });

  it('a pick out of range for a two-choice offer is ignored', () => {
    const { t, sent, warnings, events } = tools('rep');
    t.sendOffer('Q', ['A', 'B']);
    t.receive({ type: 'offer-pick', id: (sent[0] as { id: string }).id, choice: 5 });
    expect(warnings).toHaveLength(1);
    expect(offersFromEvents(events)[0]!.picked).toBeNull();
  });

  it('refuses bad offers before sending (the rep keeps the text)', () => {
    const { t, sent } = tools('rep');
    expect(codeOf(() => t.sendOffer('', ['A', 'B']))).toBe('MALFORMED');
    expect(codeOf(() => t.sendOffer('Q', ['A']))).toBe('MALFORMED');
    expect(codeOf(() => t.sendOffer('Q', ['A', 'x'.repeat(MAX_OFFER_CHOICE_CHARS + 1)]))).toBe('MALFORMED');
    expect(codeOf(() => tools('rep', false).t.sendOffer('Q', ['A', 'B']))).toBe('PEER_GONE');
    expect(sent).toHaveLength(0);
  });

  it('the customer picks once; a second offer with the same id is ignored', () => {
    const { t, sent, warnings } = tools('customer');
    t.receive(valid.offer as unknown as never);
    t.receive(valid.offer as unknown as never);
    expect(warnings).toHaveLength(1);
    t.pick(ID, 0);
    expect(sent).toEqual([{ type: 'offer-pick', id: ID, choice: 0 }]);
    expect(codeOf(() => t.pick(ID, 1))).toBe('MALFORMED');
    expect(codeOf(() => t.pick('unknown_offer', 0))).toBe('MALFORMED');
    expect(t.offers()[0]!.picked).toBe(0);
  });
});

describe('SessionTools: endings and the survey', () => {
  it('Mark as solved with questions waits for the answers, records them, and the window closes on time', () => {
    vi.useFakeTimers();
    try {
      const { t, host, sent, patches, warnings } = tools('rep');
      t.markSolved(QUESTIONS);
      expect(sent[0]).toEqual({ type: 'session-end', outcome: 'solved', survey: QUESTIONS });
      expect(host.outcome).toBe('solved');
      expect(host.ended).toBe(0);
      t.receive({ type: 'survey-answers', answers: [{ id: 'fixed', choice: 5 }] }); // does not fit: ignored
      expect(warnings).toHaveLength(1);
      t.receive({ type: 'survey-answers', answers: [{ id: 'overall', rating: 5 }] });
      expect(patches).toContainEqual({ surveyAnswers: [{ id: 'overall', rating: 5 }] });
      t.receive({ type: 'survey-answers', answers: [{ id: 'overall', rating: 1 }] }); // a second set
      expect(warnings).toHaveLength(2);
      vi.advanceTimersByTime(SURVEY_WINDOW_MS);
      expect(host.ended).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('Mark as solved without questions and Cancel chat end at once; answers nobody asked for are ignored', () => {
    const solved = tools('rep');
    solved.t.markSolved([]);
    expect(solved.host.ended).toBe(1);
    solved.t.receive({ type: 'survey-answers', answers: [] });
    expect(solved.warnings).toHaveLength(1);
    const cancelled = tools('rep');
    cancelled.t.cancel();
    expect(cancelled.sent[0]).toEqual({ type: 'session-end', outcome: 'cancelled', survey: [] });
    expect(cancelled.host.outcome).toBe('cancelled');
    expect(cancelled.host.ended).toBe(1);
  });

  it('the customer answers once, then leaves; a second session-end is ignored', () => {
    const { t, host, sent, warnings } = tools('customer');
    t.receive({ type: 'session-end', outcome: 'solved', survey: QUESTIONS });
    t.receive({ type: 'session-end', outcome: 'cancelled', survey: [] });
    expect(warnings).toHaveLength(1);
    expect(t.ending?.outcome).toBe('solved');
    expect(codeOf(() => t.answerSurvey([{ id: 'overall', rating: 9 }]))).toBe('MALFORMED');
    t.answerSurvey([{ id: 'overall', rating: 3 }]);
    expect(sent).toEqual([{ type: 'survey-answers', answers: [{ id: 'overall', rating: 3 }] }]);
    expect(host.ended).toBe(1);
    expect(codeOf(() => t.answerSurvey([]))).toBe('PEER_GONE');
  });

  it('a survey the session closed on keeps its state as closed (the form keeps the text)', () => {
    const { t } = tools('customer', false);
    t.receive({ type: 'session-end', outcome: 'solved', survey: QUESTIONS });
    expect(codeOf(() => t.answerSurvey([{ id: 'comment', text: 'late' }]))).toBe('PEER_GONE');
    expect(t.ending?.surveyState).toBe('closed');
  });
});

describe('SessionTools: the customer ends a desk chat', () => {
  it('the customer says customer-ending and gets the survey; answering sends the answers and leaves', () => {
    const { t, host, sent, events } = tools('customer');
    expect(t.endWithSurvey(QUESTIONS)).toBe(true);
    expect(sent).toEqual([{ type: 'customer-ending' }]);
    expect(t.ending).toEqual({ outcome: 'customer-ended', survey: QUESTIONS, surveyState: 'open' });
    expect(host.ended).toBe(0);
    expect(events.map((e) => e.kind === 'system' && e.key)).toContain('event.youEnded');
    t.answerSurvey([{ id: 'fixed', choice: 0 }]);
    expect(sent[1]).toEqual({ type: 'survey-answers', answers: [{ id: 'fixed', choice: 0 }] });
    expect(host.ended).toBe(1);
  });

  it('without questions, or without a connection, the customer just leaves (nothing is shown that could not be sent)', () => {
    const none = tools('customer');
    expect(none.t.endWithSurvey([])).toBe(false);
    expect(none.sent).toEqual([]);
    expect(none.host.ended).toBe(1);
    const offline = tools('customer', false);
    expect(offline.t.endWithSurvey(QUESTIONS)).toBe(false);
    expect(offline.t.ending).toBeNull();
    expect(offline.host.ended).toBe(1);
  });

  it('the rep hears it at once, checks the answers against its own desk questions, even when they overtake the questions', async () => {
    let release!: (q: readonly SurveyQuestion[]) => void;
    const { t, host, patches, warnings, events } = tools('rep', true, () => new Promise((resolve) => (release = resolve)));
    t.receive({ type: 'customer-ending' });
    expect(host.outcome).toBe('customer-ended');
    expect(events.some((e) => e.kind === 'system' && e.key === 'event.customerEnding')).toBe(true);
    // The answers arrive before the rep's desk questions are read: kept until they are.
    t.receive({ type: 'survey-answers', answers: [{ id: 'overall', rating: 4 }] });
    expect(patches).toEqual([]);
    release(QUESTIONS);
    await vi.waitFor(() => expect(patches).toContainEqual({ surveyAnswers: [{ id: 'overall', rating: 4 }] }));
    expect(patches).toContainEqual({ outcome: 'customer-ended', surveyQuestions: QUESTIONS });
    expect(warnings).toEqual([]);
    expect(t.surveyAnswers).toEqual([{ id: 'overall', rating: 4 }]);
  });

  it('answers to questions the desk does not ask, a second customer-ending, or one after the rep ended are ignored with a warning', async () => {
    const rep = tools('rep');
    rep.t.receive({ type: 'customer-ending' });
    rep.t.receive({ type: 'customer-ending' });
    expect(rep.warnings.map((w) => w.code)).toEqual(['MALFORMED']);
    rep.t.receive({ type: 'survey-answers', answers: [{ id: 'invented', text: 'my own question' }] });
    await vi.waitFor(() => expect(rep.warnings).toHaveLength(2));
    expect(rep.t.surveyAnswers).toBeNull();
    const ended = tools('rep');
    ended.t.markSolved([]);
    ended.t.receive({ type: 'customer-ending' });
    expect(ended.warnings.map((w) => w.code)).toEqual(['MALFORMED']);
    expect(ended.host.outcome).toBe('solved');
  });

  it('a desk without a survey: the rep records the end and asks nothing', async () => {
    const { t, host, patches } = tools('rep', true, async () => []);
    t.receive({ type: 'customer-ending' });
    await Promise.resolve();
    await Promise.resolve();
    expect(host.outcome).toBe('customer-ended');
    expect(t.awaitingSurveyUntil).toBeNull();
    expect(patches).toEqual([]);
  });
});

describe('splitJoinFragment', () => {
  it('takes a signed identity token after the code, and drops a damaged one', () => {
    expect(splitJoinFragment('482-913775')).toEqual({ code: '482-913775', identity: '' });
    expect(splitJoinFragment('482-913775&identity=abc.def')).toEqual({ code: '482-913775', identity: 'abc.def' });
    expect(splitJoinFragment('482-913775&identity=<script>')).toEqual({ code: '482-913775', identity: '' });
    expect(splitJoinFragment(`482-913775&identity=${'a'.repeat(2000)}.b`)).toEqual({ code: '482-913775', identity: '' });
  });
});
