/**
 * The desk settings the rep console's tools need (survey questions, customer signing keys,
 * request webhook), read from `GET /api/desk/rep` (RepViewSchema). A server without the desk,
 * an answer that does not parse, or a network failure gives the defaults: no survey, no keys
 * (every signed detail then shows as unverified), no webhook (requests are downloaded).
 */
import * as v from 'valibot';
import { RepViewSchema, type CustomerSigning, type SurveyQuestion } from '@protocol/desk-config.ts';

export const REP_DESK_PATH = '/api/desk/rep';

export interface RepDeskTools {
  survey: SurveyQuestion[];
  customerSigning: CustomerSigning;
  requestWebhook: string;
}

export const NO_DESK: RepDeskTools = { survey: [], customerSigning: {}, requestWebhook: '' };

export async function fetchRepDeskTools(fetchFn: typeof fetch = globalThis.fetch): Promise<RepDeskTools> {
  try {
    const response = await fetchFn(REP_DESK_PATH, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } });
    if (!response.ok) return NO_DESK;
    const parsed = v.safeParse(RepViewSchema, await response.json());
    if (!parsed.success) return NO_DESK;
    const { survey, customerSigning, requestWebhook } = parsed.output;
    return { survey, customerSigning, requestWebhook };
  } catch {
    return NO_DESK;
  }
}

let cached: Promise<RepDeskTools> | null = null;

/** The desk tools settings, fetched once per page (`refresh` fetches again: an admin may have edited the config). */
export function repDeskTools(refresh = false): Promise<RepDeskTools> {
  if (!cached || refresh) cached = fetchRepDeskTools();
  return cached;
}
