/**
 * The support desk's configuration: one JSON file the administrator writes (`DESK_CONFIG`, path
 * to the file) and admin reps edit from the admin page. The server validates it at start (clear
 * errors naming each setting) and on every save from the admin page with this same schema; the
 * admin page validates with it too before sending.
 *
 * Without a file (or with no `reps`), Parley runs in **open mode**: anyone who opens the rep
 * console is a rep serving every queue (for trying Parley out; the console shows a warning).
 *
 * What each part is for:
 * - `reps`: accounts (password hashes from `npm run hash-password`), the queues each serves, role;
 * - `queues`: the queues customers pick on the portal (`/support`);
 * - `cannedMessages`: the canned messages tree (protocol/canned.ts), instead of `CANNED_MESSAGES`;
 * - `portal`: what the customer sees before a rep answers (agreement, consent, greeting, hold
 *   message, orphaned-session message, notices);
 * - `survey`: exit survey questions;
 * - `elapsedThresholds`: colours of the rep's "time since you last wrote" icons;
 * - `filePolicy`, `iceServers`: override the server settings of the same name when present;
 * - `customerSigning`: keys that sign customer details a portal passes in (HMAC-SHA256 / Ed25519);
 * - `requestWebhook`: where "Raise request" posts the session report (from the rep's browser);
 * - `sharedHistoryMinutes`: how much history a rep joining a shared session receives.
 */
import * as v from 'valibot';
import { CannedTreeSchema } from './canned.ts';
import { FilePolicySchema } from './file-policy.ts';
import { IceServerSchema } from './signaling.ts';
import { QUEUE_ID_RE } from './limits.ts';
import { SurveyQuestionSchema } from './survey.ts';

export { QUEUE_ID_RE } from './limits.ts';
/** A rep's username. */
export const USERNAME_RE = /^[A-Za-z0-9._@-]{1,64}$/;
/**
 * A password hash as made by `npm run hash-password` (signaling/desk/passwords.ts):
 * `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<hash base64url>`.
 */
export const PASSWORD_HASH_RE = /^scrypt\$(1[4-9]|2[0-2])\$([1-9][0-9]?)\$([1-9][0-9]?)\$[A-Za-z0-9_-]{22,}\$[A-Za-z0-9_-]{43,}$/;

const text = (max: number) => v.pipe(v.string('must be text'), v.maxLength(max, `must be at most ${max} characters`));
const nonEmptyText = (max: number) => v.pipe(text(max), v.check((s) => s.trim() !== '', 'must not be empty'));
const seconds = (min: number, max: number) =>
  v.pipe(v.number('must be a number of seconds'), v.integer('must be a whole number'), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));
const httpUrl = v.pipe(v.string('must be text'), v.url('must be an absolute URL'), v.regex(/^https?:\/\//, 'must start with http:// or https://'));

export const RepRoleSchema = v.picklist(['rep', 'admin'], 'must be "rep" or "admin"');
export type RepRole = v.InferOutput<typeof RepRoleSchema>;

export const QueueSchema = v.object({
  id: v.pipe(v.string('must be text'), v.regex(QUEUE_ID_RE, 'must be 1–32 lower-case letters, digits or dashes')),
  name: nonEmptyText(80),
});
export type Queue = v.InferOutput<typeof QueueSchema>;

export const RepAccountSchema = v.object({
  username: v.pipe(v.string('must be text'), v.regex(USERNAME_RE, 'must be 1–64 letters, digits, dots, dashes, underscores or @')),
  displayName: nonEmptyText(80),
  passwordHash: v.pipe(v.string('must be text'), v.regex(PASSWORD_HASH_RE, 'must be a hash made by `npm run hash-password`')),
  /** Queue ids this rep serves. */
  queues: v.pipe(v.array(v.string()), v.maxLength(64)),
  role: v.optional(RepRoleSchema, 'rep'),
});
export type RepAccount = v.InferOutput<typeof RepAccountSchema>;

export const NoticeSchema = v.object({
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 letters, digits, dashes or underscores')),
  text: nonEmptyText(1000),
  enabled: v.boolean('must be true or false'),
});
export type Notice = v.InferOutput<typeof NoticeSchema>;

// Exit survey questions live in survey.ts (the peer protocol carries them too).
export { SurveyQuestionSchema, type SurveyQuestion } from './survey.ts';

/** What the customer sees while waiting, all optional texts (BBCode allowed) in the portal's words. */
export const PortalSettingsSchema = v.object({
  /** Must be accepted before the request reaches a queue; none: no agreement step. */
  agreement: v.optional(text(10_000), ''),
  /** Ask the customer whether the transcript may be kept ("allow session recording"). */
  askRecordingConsent: v.optional(v.boolean('must be true or false'), false),
  /** Shown once the request is queued, above the position and wait. */
  greeting: v.optional(text(1000), ''),
  /** Repeated every `holdIntervalSeconds` while waiting; empty: none. */
  holdMessage: v.optional(text(1000), ''),
  holdIntervalSeconds: v.optional(seconds(10, 3600), 60),
  /** After this long with no rep, the customer sees `orphanMessage` (0: never). */
  orphanTimeoutSeconds: v.optional(seconds(0, 86_400), 600),
  orphanMessage: v.optional(text(1000), ''),
  /** Optional page the customer is sent to a few seconds after the orphan message. */
  orphanRedirectUrl: v.optional(v.union([v.literal(''), httpUrl]), ''),
  notices: v.optional(v.pipe(v.array(NoticeSchema), v.maxLength(20)), []),
});
export type PortalSettings = v.InferOutput<typeof PortalSettingsSchema>;

/** Seconds since the rep last wrote to a customer at which a tab's icon turns amber, then red. */
export const ElapsedThresholdsSchema = v.pipe(
  v.object({ amberSeconds: seconds(1, 86_400), redSeconds: seconds(1, 86_400) }),
  v.check((t) => t.redSeconds > t.amberSeconds, 'redSeconds must be more than amberSeconds'),
);
export type ElapsedThresholds = v.InferOutput<typeof ElapsedThresholdsSchema>;

/** Keys a portal signs customer details with (customer-details.ts); either or both. */
export const CustomerSigningSchema = v.object({
  /** HMAC-SHA256 shared secret, base64url, at least 32 bytes. */
  hmacSecret: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43,}$/, 'must be at least 32 bytes in base64url'))),
  /** Ed25519 public key, 32 bytes in base64url. */
  ed25519PublicKey: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes in base64url'))),
});
export type CustomerSigning = v.InferOutput<typeof CustomerSigningSchema>;

export const DeskConfigSchema = v.pipe(
  v.object({
    reps: v.optional(v.pipe(v.array(RepAccountSchema), v.maxLength(5000)), []),
    queues: v.optional(v.pipe(v.array(QueueSchema), v.minLength(1, 'must list at least one queue'), v.maxLength(100)), [{ id: 'general', name: 'General support' }]),
    cannedMessages: v.optional(CannedTreeSchema),
    portal: v.optional(PortalSettingsSchema, {}),
    survey: v.optional(v.pipe(v.array(SurveyQuestionSchema), v.maxLength(20)), []),
    elapsedThresholds: v.optional(ElapsedThresholdsSchema, { amberSeconds: 60, redSeconds: 180 }),
    filePolicy: v.optional(FilePolicySchema),
    iceServers: v.optional(v.pipe(v.array(IceServerSchema), v.maxLength(16))),
    customerSigning: v.optional(CustomerSigningSchema, {}),
    requestWebhook: v.optional(v.union([v.literal(''), httpUrl]), ''),
    sharedHistoryMinutes: v.optional(seconds(0, 1440), 10),
  }),
  v.check((c) => new Set(c.queues.map((q) => q.id)).size === c.queues.length, 'queues: two queues have the same id'),
  v.check((c) => new Set(c.reps.map((r) => r.username.toLowerCase())).size === c.reps.length, 'reps: two reps have the same username'),
  v.check((c) => c.reps.every((r) => r.queues.every((q) => c.queues.some((x) => x.id === q))), 'reps: a rep serves a queue that is not in queues'),
  v.check((c) => c.reps.length === 0 || c.reps.some((r) => r.role === 'admin'), 'reps: at least one rep must have role "admin"'),
);
export type DeskConfig = v.InferOutput<typeof DeskConfigSchema>;

/**
 * What any visitor of the portal may read (`GET /api/desk/portal`): no reps, no keys.
 * @example { queues: [{ id: 'general', name: 'General support' }], portal: { agreement: '', … }, survey: [] }
 */
export const PortalViewSchema = v.object({
  queues: v.array(QueueSchema),
  portal: PortalSettingsSchema,
  survey: v.array(SurveyQuestionSchema),
});
export type PortalView = v.InferOutput<typeof PortalViewSchema>;

/**
 * What a signed-in rep's console reads (`GET /api/desk/rep`; in open mode anyone may).
 * `me` is null in open mode.
 */
export const RepViewSchema = v.object({
  openMode: v.boolean(),
  me: v.nullable(v.object({ username: v.string(), displayName: v.string(), role: RepRoleSchema, queues: v.array(v.string()) })),
  queues: v.array(QueueSchema),
  survey: v.array(SurveyQuestionSchema),
  elapsedThresholds: ElapsedThresholdsSchema,
  customerSigning: CustomerSigningSchema,
  requestWebhook: v.string(),
  sharedHistoryMinutes: v.number(),
});
export type RepView = v.InferOutput<typeof RepViewSchema>;

/** Every problem of a config, one line each (`portal.holdIntervalSeconds: must be at least 10`). */
export function deskConfigProblems(input: unknown): string[] {
  const result = v.safeParse(DeskConfigSchema, input);
  if (result.success) return [];
  return result.issues.map((issue) => {
    const path = v.getDotPath(issue);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}
