/**
 * Exit survey questions (desk config `survey`), in a module of their own: the peer protocol
 * carries them in `session-end` (session-tools.ts) without pulling in the whole desk config.
 */
import * as v from 'valibot';

const text = (max: number) => v.pipe(v.string('must be text'), v.maxLength(max, `must be at most ${max} characters`));
const nonEmptyText = (max: number) => v.pipe(text(max), v.check((s) => s.trim() !== '', 'must not be empty'));
const QuestionId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,32}$/));

/**
 * One question: a 1–5 rating, a free text, or one of 2–10 choices.
 * @example { id: 'q1', kind: 'rating', text: 'How did we do?' }
 */
export const SurveyQuestionSchema = v.variant('kind', [
  v.object({ id: QuestionId, kind: v.literal('rating'), text: nonEmptyText(300) }),
  v.object({ id: QuestionId, kind: v.literal('text'), text: nonEmptyText(300) }),
  v.object({
    id: QuestionId,
    kind: v.literal('choice'),
    text: nonEmptyText(300),
    choices: v.pipe(v.array(nonEmptyText(120)), v.minLength(2), v.maxLength(10)),
  }),
]);
export type SurveyQuestion = v.InferOutput<typeof SurveyQuestionSchema>;
