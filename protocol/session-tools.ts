/**
 * Session tools over the data channel (sealed like every peer message): the rep's offers of
 * choices, the rep ending a session with an outcome, and the customer's exit survey answers.
 *
 * ```
 *   rep                                                   customer
 *    | offer {id, text, choices[2..8]} ------------------> |  a card, one button per choice
 *    | <------------------------------ offer-pick {id, choice}  (once per offer)
 *    |                                                      |
 *    | session-end {outcome: solved, survey[]} ----------> |  "solved" + the survey
 *    |   (the channel stays open up to SURVEY_WINDOW_MS)    |
 *    | <------------------- survey-answers {answers[]} ---- |  (or skipped)
 *    | <---------------------------------- bye {left} ----- |
 *    |                                                      |
 *    | session-end {outcome: cancelled, survey: []} -----> |  "the rep cancelled the chat"
 *    | bye {ended} --------------------------------------> |  (no survey after a cancel)
 * ```
 * The survey questions travel in `session-end`: the customer answers exactly what the rep's
 * desk asks, and the rep checks the answers against the questions it sent (surveyAnswersFit).
 */
import * as v from 'valibot';
import { SurveyQuestionSchema, type SurveyQuestion } from './survey.ts';

export const ToolType = {
  Offer: 'offer',
  OfferPick: 'offer-pick',
  SessionEnd: 'session-end',
  SurveyAnswers: 'survey-answers',
  CustomerEnding: 'customer-ending',
} as const;

export const MIN_OFFER_CHOICES = 2;
export const MAX_OFFER_CHOICES = 8;
export const MAX_OFFER_TEXT_CHARS = 500;
export const MAX_OFFER_CHOICE_CHARS = 120;
export const MAX_SURVEY_QUESTIONS = 20;
export const MAX_SURVEY_TEXT_CHARS = 1000;
/** How long the rep's side keeps a solved session open for the customer's survey answers. */
export const SURVEY_WINDOW_MS = 5 * 60_000;

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/));
const nonBlank = (max: number) => v.pipe(v.string(), v.maxLength(max), v.check((s) => s.trim() !== '', 'must not be blank'));

/**
 * Rep → customer: a question with 2–8 choices, answered by a click.
 * @example { type: 'offer', id: 'o_3f9a0c1dQx_', text: 'Which printer?', choices: ['Office', 'Home'] }
 */
export const OfferSchema = v.object({
  type: v.literal(ToolType.Offer),
  id: Id,
  text: nonBlank(MAX_OFFER_TEXT_CHARS),
  choices: v.pipe(v.array(nonBlank(MAX_OFFER_CHOICE_CHARS)), v.minLength(MIN_OFFER_CHOICES), v.maxLength(MAX_OFFER_CHOICES)),
});

/**
 * Customer → rep: the choice picked (its index) for offer `id`. One pick per offer; a pick
 * for an unknown offer, out of range, or a second one is ignored with a warning.
 * @example { type: 'offer-pick', id: 'o_3f9a0c1dQx_', choice: 1 }
 */
export const OfferPickSchema = v.object({
  type: v.literal(ToolType.OfferPick),
  id: Id,
  choice: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_OFFER_CHOICES - 1)),
});

/**
 * Rep → customer: the rep ended the session. `solved`: the customer is thanked and shown the
 * `survey` (none when empty); `cancelled`: the customer is told, no survey.
 * @example { type: 'session-end', outcome: 'solved', survey: [{ id: 'q1', kind: 'rating', text: 'How did we do?' }] }
 */
export const SessionEndSchema = v.object({
  type: v.literal(ToolType.SessionEnd),
  outcome: v.picklist(['solved', 'cancelled']),
  survey: v.pipe(v.array(SurveyQuestionSchema), v.maxLength(MAX_SURVEY_QUESTIONS)),
});

/** One answer: a rating 1–5, a text, or a choice index (which one fits is checked against the question). */
export const SurveyAnswerSchema = v.object({
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,32}$/)),
  rating: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5))),
  text: v.optional(v.pipe(v.string(), v.maxLength(MAX_SURVEY_TEXT_CHARS))),
  choice: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(9))),
});
export type SurveyAnswer = v.InferOutput<typeof SurveyAnswerSchema>;

/**
 * Customer → rep: the exit survey answers (questions left unanswered are absent).
 * @example { type: 'survey-answers', answers: [{ id: 'q1', rating: 5 }, { id: 'q2', text: 'Quick, thanks' }] }
 */
export const SurveyAnswersSchema = v.object({
  type: v.literal(ToolType.SurveyAnswers),
  answers: v.pipe(v.array(SurveyAnswerSchema), v.maxLength(MAX_SURVEY_QUESTIONS)),
});

/**
 * Customer → rep: the customer ended the chat and is shown the exit survey (the rep's
 * configured questions, which the desk gives the portal too); the answers, or the customer's
 * bye, follow. The rep's console says at once that the customer ended. Carries nothing else:
 * the rep checks the answers against its own copy of the questions.
 * @example { type: 'customer-ending' }
 */
export const CustomerEndingSchema = v.object({
  type: v.literal(ToolType.CustomerEnding),
});

export const TOOL_MESSAGE_SCHEMAS = [OfferSchema, OfferPickSchema, SessionEndSchema, SurveyAnswersSchema, CustomerEndingSchema] as const;

export type Offer = v.InferOutput<typeof OfferSchema>;
export type OfferPick = v.InferOutput<typeof OfferPickSchema>;
export type SessionEnd = v.InferOutput<typeof SessionEndSchema>;
export type SurveyAnswers = v.InferOutput<typeof SurveyAnswersSchema>;
export type CustomerEnding = v.InferOutput<typeof CustomerEndingSchema>;
export type ToolMessage = Offer | OfferPick | SessionEnd | SurveyAnswers | CustomerEnding;

/**
 * The answers a customer may give to `questions`: each at most once, to a question asked, of
 * the question's kind (a rating for a rating, a text for a text, a choice in range for a
 * choice), and nothing else. Returns null when any answer does not fit (the whole set is
 * then rejected: a modified client's answers are not half-kept).
 */
export function surveyAnswersFit(questions: readonly SurveyQuestion[], answers: readonly SurveyAnswer[]): SurveyAnswer[] | null {
  const seen = new Set<string>();
  const out: SurveyAnswer[] = [];
  for (const given of answers) {
    // Checked here too, not only on the wire: the sending side calls this on what the form made.
    const parsed = v.safeParse(SurveyAnswerSchema, given);
    if (!parsed.success) return null;
    const answer = parsed.output;
    const question = questions.find((q) => q.id === answer.id);
    if (!question || seen.has(answer.id)) return null;
    seen.add(answer.id);
    const kinds = [answer.rating, answer.text, answer.choice].filter((x) => x !== undefined).length;
    if (kinds !== 1) return null;
    if (question.kind === 'rating' && answer.rating === undefined) return null;
    if (question.kind === 'text' && answer.text === undefined) return null;
    if (question.kind === 'choice' && (answer.choice === undefined || answer.choice >= question.choices.length)) return null;
    const text = answer.text?.trim();
    if (question.kind === 'text' && !text) continue; // an empty text is no answer
    out.push(question.kind === 'text' ? { id: answer.id, text } : { ...answer });
  }
  return out;
}
