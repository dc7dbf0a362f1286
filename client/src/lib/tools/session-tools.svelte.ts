/**
 * SessionTools: the rep's offers and endings and the customer's picks and survey answers, for
 * one SessionView (session-tools.ts has the wire side). Everything it does is written to the
 * transcript first (through the host's `log`), so reports and reopened sessions show it.
 *
 * Rep: "Mark as solved" sends `session-end {solved, survey}` and keeps the channel open for the
 * customer's answers (up to SURVEY_WINDOW_MS; the customer's `bye` ends it sooner); "Cancel
 * chat" sends `session-end {cancelled}` and ends at once.
 * Customer: a `session-end` shows the outcome, and the survey after a solved one; answering or
 * skipping it ends the session from this side. A desk customer who ends the chat itself says
 * `customer-ending` and gets the desk's survey the same way (`endWithSurvey`).
 */
import { ParleyError } from '@protocol/errors.ts';
import { newMessageId, type PeerMessage } from '@protocol/peer.ts';
import {
  MAX_OFFER_CHOICE_CHARS,
  MAX_OFFER_CHOICES,
  MAX_OFFER_TEXT_CHARS,
  MIN_OFFER_CHOICES,
  SURVEY_WINDOW_MS,
  ToolType,
  surveyAnswersFit,
  type SessionEnd,
  type SurveyAnswer,
  type ToolMessage,
} from '@protocol/session-tools.ts';
import type { SurveyQuestion } from '@protocol/survey.ts';
import type { Role } from '@protocol/cpace.ts';
import type { MessageKey } from '../i18n/index.svelte.ts';
import type { SessionOutcome, SessionRecord, TranscriptEvent } from '../transcript.ts';
import { OFFER_PEER_PICKED, OFFER_PICKED, OFFER_RECEIVED, OFFER_SENT, encodeChoices, offersFromEvents, type OfferState } from './offers.ts';
import { surveyAnswerLines } from './survey-text.ts';

type Level = 'info' | 'success' | 'warning' | 'error';

export interface ToolsHost {
  role: Role;
  /** @throws ParleyError `PEER_GONE` when not connected */
  send(message: PeerMessage): void;
  log(key: MessageKey, params: Record<string, string | number>, level: Level): Promise<void>;
  warn(err: ParleyError): void;
  saveRecord(patch: Partial<SessionRecord>): void;
  /** The outcome the session's record gets when it ends. */
  setOutcome(outcome: SessionOutcome): void;
  /** Ends the session from this side (Session.end: bye, then teardown). */
  end(): void;
  events(): readonly TranscriptEvent[];
  peerName(): string;
  /** True while the session is verified (offers and endings need the channel). */
  connected(): boolean;
  /** Rep: the desk's exit survey questions (asked when the customer ends a desk chat). */
  deskSurvey?(): Promise<readonly SurveyQuestion[]>;
}

/** What the customer sees after the rep ended the session. */
export interface Ending {
  /** `customer-ended`: this customer pressed "End chat" (endWithSurvey). */
  outcome: SessionEnd['outcome'] | 'customer-ended';
  survey: SurveyQuestion[];
  /** Customer: the survey's fate. */
  surveyState: 'open' | 'sent' | 'skipped' | 'closed';
}

export class SessionTools {
  /** Customer: set when the rep marked the session solved or cancelled it. */
  ending = $state<Ending | null>(null);
  /** Rep: set while a solved session waits for the survey answers (ms since the epoch it gives up). */
  awaitingSurveyUntil = $state<number | null>(null);
  /** Rep: the survey answers once received (also on the record). */
  surveyAnswers = $state<SurveyAnswer[] | null>(null);
  /** Rep: how it ended, as chosen here (null until Mark as solved / Cancel chat). */
  chosenOutcome = $state<'solved' | 'cancelled' | null>(null);

  /** Offer ids picked (on either side), held as well as logged: two picks can arrive before the log lands. */
  private readonly picked = new Set<string>();
  private sentSurvey: SurveyQuestion[] | null = null;
  /** Rep: the desk's questions being read after a `customer-ending` (answers wait for it). */
  private surveyReady: Promise<void> | null = null;
  private surveyTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: ToolsHost) {}

  /** The offers of this session, from its log. */
  offers(): OfferState[] {
    return offersFromEvents(this.host.events());
  }

  // --- offers ---------------------------------------------------------------------------------

  /**
   * Rep: sends a question with choices. Blank choices are dropped (so an empty last line of
   * the composer is no choice).
   * @throws ParleyError `MALFORMED` for a question or choices out of bounds (the caller keeps
   *   the text and says why), `PEER_GONE` when not connected
   */
  sendOffer(question: string, choices: readonly string[]): void {
    const text = question.trim();
    const options = choices.map((c) => c.trim()).filter((c) => c !== '');
    if (this.host.role !== 'rep') throw new ParleyError('MALFORMED', 'only a rep makes offers');
    if (!text || text.length > MAX_OFFER_TEXT_CHARS) throw new ParleyError('MALFORMED', 'offer question');
    if (options.length < MIN_OFFER_CHOICES || options.length > MAX_OFFER_CHOICES || options.some((c) => c.length > MAX_OFFER_CHOICE_CHARS)) {
      throw new ParleyError('MALFORMED', 'offer choices');
    }
    if (!this.host.connected()) throw new ParleyError('PEER_GONE', 'not connected');
    const id = newMessageId();
    this.host.send({ type: ToolType.Offer, id, text, choices: options });
    void this.host.log(OFFER_SENT, { offerId: id, question: text, choices: options.join(' · '), choicesJson: encodeChoices(options) }, 'info');
  }

  /**
   * Customer: picks choice `index` of offer `id`, once.
   * @throws ParleyError `MALFORMED` for an unknown offer, a bad index or a second pick; `PEER_GONE`
   */
  pick(id: string, index: number): void {
    const offer = this.offers().find((o) => o.id === id && !o.own);
    if (!offer || offer.picked !== null || this.picked.has(id) || !Number.isInteger(index) || index < 0 || index >= offer.choices.length) {
      throw new ParleyError('MALFORMED', 'offer already answered or unknown');
    }
    this.host.send({ type: ToolType.OfferPick, id, choice: index });
    this.picked.add(id);
    void this.host.log(OFFER_PICKED, { offerId: id, question: offer.question, choice: offer.choices[index]!, index }, 'info');
  }

  // --- endings (rep) --------------------------------------------------------------------------

  /**
   * Rep: "Mark as solved". With survey questions the channel stays open for the answers (the
   * customer's bye, or the window running out, ends it); without, the session ends now.
   * @throws ParleyError `PEER_GONE` when not connected
   */
  markSolved(survey: readonly SurveyQuestion[]): void {
    this.endWith('solved', survey);
  }

  /** Rep: "Cancel chat": the customer is told, no survey. @throws ParleyError `PEER_GONE` */
  cancel(): void {
    this.endWith('cancelled', []);
  }

  private endWith(outcome: 'solved' | 'cancelled', survey: readonly SurveyQuestion[]): void {
    if (this.host.role !== 'rep') throw new ParleyError('MALFORMED', 'only a rep ends with an outcome');
    if (this.chosenOutcome) return;
    if (!this.host.connected()) throw new ParleyError('PEER_GONE', 'not connected');
    const questions = outcome === 'solved' ? survey.map((q) => ({ ...q })) : [];
    this.host.send({ type: ToolType.SessionEnd, outcome, survey: questions });
    this.chosenOutcome = outcome;
    this.host.setOutcome(outcome);
    this.host.saveRecord(questions.length ? { outcome, surveyQuestions: questions } : { outcome });
    void this.host.log(outcome === 'solved' ? 'event.markedSolved' : 'event.cancelledChat', { name: this.host.peerName() }, 'info');
    if (!questions.length) return this.host.end();
    this.sentSurvey = questions;
    this.awaitingSurveyUntil = Date.now() + SURVEY_WINDOW_MS;
    void this.host.log('event.surveyWaiting', { minutes: Math.round(SURVEY_WINDOW_MS / 60_000) }, 'info');
    this.surveyTimer = setTimeout(() => this.closeSurveyWindow(), SURVEY_WINDOW_MS);
  }

  /** Rep: stops waiting for the survey and ends the session. */
  closeSurveyWindow(): void {
    clearTimeout(this.surveyTimer);
    if (this.awaitingSurveyUntil === null) return;
    this.awaitingSurveyUntil = null;
    this.host.end();
  }

  // --- survey (customer) ----------------------------------------------------------------------

  /**
   * Customer: sends the answers, then leaves (the rep's side records them and ends).
   * @throws ParleyError `MALFORMED` for answers that do not fit the questions, `PEER_GONE` when
   *   the session closed first (the form keeps what was typed)
   */
  answerSurvey(answers: readonly SurveyAnswer[]): void {
    const ending = this.ending;
    if (!ending || ending.surveyState !== 'open') throw new ParleyError('PEER_GONE', 'no survey open');
    const fit = surveyAnswersFit(ending.survey, answers);
    if (!fit) throw new ParleyError('MALFORMED', 'survey answers do not fit the questions');
    if (!this.host.connected()) {
      ending.surveyState = 'closed';
      throw new ParleyError('PEER_GONE', 'the session closed before the answers went');
    }
    this.host.send({ type: ToolType.SurveyAnswers, answers: fit });
    ending.surveyState = 'sent';
    void this.host.log('event.surveySent', {}, 'success');
    this.host.end();
  }

  /**
   * Customer (desk chat): "End chat". With survey questions and the rep still connected, tells
   * the rep (`customer-ending`) and shows the survey; answering or skipping it ends the session.
   * Otherwise ends at once. Returns whether the survey is shown.
   */
  endWithSurvey(survey: readonly SurveyQuestion[]): boolean {
    if (this.host.role !== 'customer' || this.ending) return false;
    if (!survey.length || !this.host.connected()) {
      this.host.end();
      return false;
    }
    try {
      this.host.send({ type: ToolType.CustomerEnding });
    } catch {
      this.host.end();
      return false;
    }
    this.ending = { outcome: 'customer-ended', survey: survey.map((q) => ({ ...q })), surveyState: 'open' };
    void this.host.log('event.youEnded', {}, 'info');
    return true;
  }

  /** Customer: leaves without answering. */
  skipSurvey(): void {
    if (this.ending?.surveyState === 'open') this.ending.surveyState = 'skipped';
    this.host.end();
  }

  /** The session is over (either side): an open survey can no longer be sent. */
  sessionClosed(): void {
    clearTimeout(this.surveyTimer);
    this.awaitingSurveyUntil = null;
    if (this.ending?.surveyState === 'open') this.ending.surveyState = 'closed';
  }

  // --- receiving ------------------------------------------------------------------------------

  /** A tools message from the peer (the inbox has checked who sent it). Bad ones are warned about, never fatal. */
  receive(message: ToolMessage): void {
    switch (message.type) {
      case ToolType.Offer:
        if (this.offers().some((o) => o.id === message.id)) return this.host.warn(new ParleyError('MALFORMED', 'offer id seen before'));
        void this.host.log(
          OFFER_RECEIVED,
          { offerId: message.id, name: this.host.peerName(), question: message.text, choices: message.choices.join(' · '), choicesJson: encodeChoices(message.choices) },
          'info',
        );
        return;
      case ToolType.OfferPick: {
        const offer = this.offers().find((o) => o.id === message.id && o.own);
        if (!offer || offer.picked !== null || this.picked.has(message.id) || message.choice >= offer.choices.length) {
          return this.host.warn(new ParleyError('MALFORMED', 'pick for an unknown or answered offer ignored'));
        }
        this.picked.add(message.id);
        void this.host.log(
          OFFER_PEER_PICKED,
          { offerId: message.id, name: this.host.peerName(), question: offer.question, choice: offer.choices[message.choice]!, index: message.choice },
          'success',
        );
        return;
      }
      case ToolType.SessionEnd:
        if (this.ending) return this.host.warn(new ParleyError('MALFORMED', 'second session-end ignored'));
        this.ending = { outcome: message.outcome, survey: message.survey, surveyState: message.survey.length ? 'open' : 'skipped' };
        void this.host.log(message.outcome === 'solved' ? 'event.peerSolved' : 'event.peerCancelled', { name: this.host.peerName() }, message.outcome === 'solved' ? 'success' : 'warning');
        return;
      case ToolType.SurveyAnswers:
        if (this.surveyReady) return void this.surveyReady.then(() => this.takeAnswers(message.answers));
        return this.takeAnswers(message.answers);
      case ToolType.CustomerEnding:
        return this.customerEnding();
    }
  }

  /** Rep: the customer ended the chat and is answering the desk's survey. */
  private customerEnding(): void {
    if (this.chosenOutcome || this.sentSurvey || this.surveyReady) return this.host.warn(new ParleyError('MALFORMED', 'customer-ending after the end was chosen'));
    this.host.setOutcome('customer-ended');
    void this.host.log('event.customerEnding', { name: this.host.peerName() }, 'warning');
    const questions = this.host.deskSurvey?.() ?? Promise.resolve([]);
    this.surveyReady = questions.then(
      (survey) => {
        this.surveyReady = null;
        if (!survey.length || !this.host.connected()) return;
        this.sentSurvey = survey.map((q) => ({ ...q }));
        this.host.saveRecord({ outcome: 'customer-ended', surveyQuestions: this.sentSurvey });
        this.awaitingSurveyUntil = Date.now() + SURVEY_WINDOW_MS;
        this.surveyTimer = setTimeout(() => this.closeSurveyWindow(), SURVEY_WINDOW_MS);
      },
      () => void (this.surveyReady = null),
    );
  }

  private takeAnswers(answers: SurveyAnswer[]): void {
    const questions = this.sentSurvey;
    if (!questions || this.surveyAnswers) return this.host.warn(new ParleyError('MALFORMED', 'survey answers not asked for'));
    const fit = surveyAnswersFit(questions, answers);
    if (!fit) return this.host.warn(new ParleyError('MALFORMED', 'survey answers do not fit the questions'));
    this.surveyAnswers = fit;
    this.host.saveRecord({ surveyAnswers: fit });
    const summary = surveyAnswerLines(questions, fit).join(' · ');
    void this.host.log('event.surveyReceived', { name: this.host.peerName(), answers: summary || '—' }, 'success');
  }

  dispose(): void {
    clearTimeout(this.surveyTimer);
  }
}
