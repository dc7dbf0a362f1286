/**
 * "Raise request": the session report the rep's browser POSTs to the desk's `requestWebhook`
 * (or downloads when none is set). JSON, `Content-Type: application/json`, one object:
 *
 * ```json
 * { "format": "parley-request/1", "raisedAt": "2026-11-23T12:00:00.000Z",
 *   "outcome": { "code": "solved", "text": "Solved" },
 *   "details": { "id": "…", "startedAt": "…", "endedAt": "…", "rep": "…", "customer": "…", … },
 *   "transcript": [{ "seq": 0, "at": "…", "kind": "chat", "from": "customer", "name": "Ada", "text": "…" }, …],
 *   "notes": "…", "survey": [{ "id": "q1", "question": "How did we do?", "answer": "5/5", "rating": 5 }] }
 * ```
 * Receivers ignore unknown keys; `format` changes only for incompatible changes.
 */
import * as v from 'valibot';

export const REQUEST_FORMAT = 'parley-request/1';

const IsoTime = v.pipe(v.string(), v.isoTimestamp());

export const RequestPayloadSchema = v.object({
  format: v.literal(REQUEST_FORMAT),
  raisedAt: IsoTime,
  outcome: v.object({ code: v.nullable(v.picklist(['ended', 'failed', 'solved', 'cancelled', 'customer-ended'])), text: v.string() }),
  details: v.object({
    id: v.string(),
    startedAt: v.nullable(IsoTime),
    endedAt: v.nullable(IsoTime),
    durationSeconds: v.nullable(v.number()),
    rep: v.string(),
    customer: v.nullable(v.string()),
    customerEmail: v.nullable(v.string()),
    customerVerified: v.boolean(),
    customerRequest: v.nullable(v.string()),
    customerDevice: v.nullable(v.string()),
    customerLocale: v.nullable(v.string()),
  }),
  transcript: v.array(
    v.union([
      v.object({ seq: v.number(), at: v.nullable(IsoTime), kind: v.literal('chat'), from: v.picklist(['rep', 'customer']), name: v.string(), text: v.string() }),
      v.object({ seq: v.number(), at: v.nullable(IsoTime), kind: v.literal('system'), key: v.string(), text: v.string() }),
    ]),
  ),
  notes: v.string(),
  survey: v.array(
    v.object({
      id: v.string(),
      question: v.string(),
      answer: v.string(),
      rating: v.optional(v.number()),
      choice: v.optional(v.number()),
      text: v.optional(v.string()),
    }),
  ),
});
export type RequestPayload = v.InferOutput<typeof RequestPayloadSchema>;
