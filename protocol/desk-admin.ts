/**
 * The admin page's view of the desk config (`GET/PUT /api/admin/config`, admin reps only): the
 * whole config, except that reps carry no password hash. A rep gets a new password by sending
 * `password` (the server hashes it); a rep sent without one keeps its hash; a new rep needs one.
 */
import * as v from 'valibot';
import { DeskConfigSchema, RepRoleSchema, USERNAME_RE } from './desk-config.ts';

/** Shortest password the admin page accepts for a rep. */
export const MIN_PASSWORD_CHARS = 10;
export const MAX_PASSWORD_CHARS = 1024;

export const AdminRepSchema = v.object({
  username: v.pipe(v.string('must be text'), v.regex(USERNAME_RE, 'must be 1–64 letters, digits, dots, dashes, underscores or @')),
  displayName: v.string('must be text'),
  queues: v.array(v.string()),
  role: v.optional(RepRoleSchema, 'rep'),
  /** A new password; absent or empty: keep the current one. */
  password: v.optional(
    v.union([
      v.literal(''),
      v.pipe(v.string(), v.minLength(MIN_PASSWORD_CHARS, `must be at least ${MIN_PASSWORD_CHARS} characters`), v.maxLength(MAX_PASSWORD_CHARS, `must be at most ${MAX_PASSWORD_CHARS} characters`)),
    ]),
  ),
});
export type AdminRep = v.InferOutput<typeof AdminRepSchema>;

/** Everything but `reps` as in the desk config file (checked with DeskConfigSchema once hashes are in). */
export const AdminConfigSchema = v.looseObject({ reps: v.pipe(v.array(AdminRepSchema), v.maxLength(5000)) });
export type AdminConfig = Omit<v.InferOutput<typeof DeskConfigSchema>, 'reps'> & { reps: AdminRep[] };

/** `GET /api/admin/config`. `writable` false: no DESK_CONFIG file to save to. */
export interface AdminConfigView {
  config: AdminConfig;
  writable: boolean;
}

/** A refused `PUT /api/admin/config` (400): one line per problem, naming the setting. */
export interface AdminConfigProblems {
  problems: string[];
}

/** `POST /api/sign-in` refused: `retryAfterSeconds` with LOCKED_OUT (429). */
export interface SignInFailure {
  error: 'WRONG_CREDENTIALS' | 'LOCKED_OUT' | 'MALFORMED' | 'FORBIDDEN';
  retryAfterSeconds?: number;
}
