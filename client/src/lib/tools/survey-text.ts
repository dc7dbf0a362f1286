/** Exit survey answers as text (the log line, the reports), language-neutral. */
import type { SurveyAnswer } from '@protocol/session-tools.ts';
import type { SurveyQuestion } from '@protocol/survey.ts';

export interface SurveyAnswerRow {
  id: string;
  question: string;
  /** "4/5", the choice's text, or the text typed. */
  answer: string;
  rating?: number;
  choice?: number;
  text?: string;
}

/** One row per answered question, in the questions' order. */
export function surveyAnswerRows(questions: readonly SurveyQuestion[], answers: readonly SurveyAnswer[]): SurveyAnswerRow[] {
  const rows: SurveyAnswerRow[] = [];
  for (const q of questions) {
    const a = answers.find((x) => x.id === q.id);
    if (!a) continue;
    if (q.kind === 'rating' && a.rating !== undefined) rows.push({ id: q.id, question: q.text, answer: `${a.rating}/5`, rating: a.rating });
    else if (q.kind === 'choice' && a.choice !== undefined && q.choices[a.choice] !== undefined) rows.push({ id: q.id, question: q.text, answer: q.choices[a.choice]!, choice: a.choice });
    else if (q.kind === 'text' && a.text !== undefined) rows.push({ id: q.id, question: q.text, answer: a.text, text: a.text });
  }
  return rows;
}

/** "How did we do?: 5/5" lines. */
export function surveyAnswerLines(questions: readonly SurveyQuestion[], answers: readonly SurveyAnswer[]): string[] {
  return surveyAnswerRows(questions, answers).map((r) => `${r.question}: ${r.answer}`);
}
