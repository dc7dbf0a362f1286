/**
 * The waiting request's ticket in this tab's sessionStorage, so a reload (or a closed and
 * reopened tab) takes the customer's place in the queue back instead of starting over. The
 * ticket is the request's secret (DeskRequest `ticket`): it stays in this tab, and is forgotten
 * once the request is over (accepted, left, orphaned, refused).
 */
import * as v from 'valibot';
import { RequestIdSchema } from '@protocol/desk.ts';
import type { DeskTicket } from './desk-request.svelte.ts';

export const DESK_TICKET_KEY = 'parley.support.ticket';

const SavedTicketSchema = v.object({
  requestId: RequestIdSchema,
  requestToken: RequestIdSchema,
  recordingConsent: v.optional(v.boolean()),
  signed: v.optional(v.pipe(v.string(), v.maxLength(1200))),
});

export interface SavedTicket {
  ticket: DeskTicket;
  /** The customer's answer to the recording question, sent again with the details. */
  recordingConsent?: boolean;
  /** The organisation's signed identity token (gone from the address after the first load). */
  signed?: string;
}

export function loadTicket(storage: Pick<Storage, 'getItem'> | undefined = globalThis.sessionStorage): SavedTicket | null {
  try {
    const raw = storage?.getItem(DESK_TICKET_KEY);
    if (!raw) return null;
    const parsed = v.safeParse(SavedTicketSchema, JSON.parse(raw));
    if (!parsed.success) return null;
    const { requestId, requestToken, recordingConsent, signed } = parsed.output;
    return { ticket: { requestId, requestToken }, ...(recordingConsent !== undefined ? { recordingConsent } : {}), ...(signed ? { signed } : {}) };
  } catch {
    return null; // blocked storage or a damaged copy: a new request
  }
}

export function saveTicket(saved: SavedTicket, storage: Pick<Storage, 'setItem'> | undefined = globalThis.sessionStorage): void {
  try {
    const { ticket, recordingConsent, signed } = saved;
    storage?.setItem(DESK_TICKET_KEY, JSON.stringify({ ...ticket, ...(recordingConsent !== undefined ? { recordingConsent } : {}), ...(signed ? { signed } : {}) }));
  } catch {
    // storage blocked or full: a reload starts a new request (the form text is kept separately)
  }
}

export function forgetTicket(storage: Pick<Storage, 'removeItem'> | undefined = globalThis.sessionStorage): void {
  try {
    storage?.removeItem(DESK_TICKET_KEY);
  } catch {
    // nothing to do
  }
}
