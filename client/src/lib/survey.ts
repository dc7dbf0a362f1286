/**
 * Exit survey answers on the customer's side: what the form collects, and the plain text the
 * customer can copy when the answers could not be delivered to the rep.
 */
import type { SurveyQuestion } from '@protocol/desk-config.ts';

/** Question id → a rating (1–5), a choice (its text) or free text. Unanswered questions are absent. */
export type SurveyAnswers = Record<string, number | string>;

/** Only answered questions, ratings as numbers, texts trimmed; answers to unknown questions dropped. */
export function cleanAnswers(questions: readonly SurveyQuestion[], answers: SurveyAnswers): SurveyAnswers {
  const clean: SurveyAnswers = {};
  for (const question of questions) {
    const answer = answers[question.id];
    if (answer === undefined || answer === '') continue;
    if (question.kind === 'rating') {
      const n = Number(answer);
      if (Number.isInteger(n) && n >= 1 && n <= 5) clean[question.id] = n;
    } else if (question.kind === 'choice') {
      if (typeof answer === 'string' && question.choices.includes(answer)) clean[question.id] = answer;
    } else if (typeof answer === 'string' && answer.trim()) clean[question.id] = answer.trim();
  }
  return clean;
}

/** "Question: answer" lines, for copying. */
export function surveyAnswersText(questions: readonly SurveyQuestion[], answers: SurveyAnswers): string {
  const clean = cleanAnswers(questions, answers);
  return questions
    .filter((q) => clean[q.id] !== undefined)
    .map((q) => `${q.text}: ${q.kind === 'rating' ? `${clean[q.id]}/5` : String(clean[q.id])}`)
    .join('\n');
}
