/**
 * The rep console's account calls (signaling/desk/http-api.ts): who is signed in, sign-in,
 * sign-out, and the admin config. Framework-free; every failure is a typed {@link AccountError}.
 */
import * as v from 'valibot';
import { RepViewSchema, type RepView } from '@protocol/desk-config.ts';
import type { AdminConfig, AdminConfigView } from '@protocol/desk-admin.ts';

export type AccountErrorKind = 'WRONG_CREDENTIALS' | 'LOCKED_OUT' | 'NOT_SIGNED_IN' | 'FORBIDDEN' | 'INVALID' | 'NOT_ANNOUNCED' | 'UNREACHABLE' | 'SERVER';

export class AccountError extends Error {
  constructor(
    readonly kind: AccountErrorKind,
    /** LOCKED_OUT: seconds until the next attempt may succeed. */
    readonly retryAfterSeconds = 0,
    /** INVALID: the server's problem list, one line per setting. */
    readonly problems: string[] = [],
  ) {
    super(kind);
  }
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
  } catch {
    throw new AccountError('UNREACHABLE');
  }
}

async function bodyOf(res: Response): Promise<Record<string, unknown>> {
  try {
    const body = (await res.json()) as unknown;
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Who the console is for: the signed-in rep, or open mode. Throws NOT_SIGNED_IN when a sign-in is needed. */
export async function fetchRepView(): Promise<RepView> {
  const res = await call('/api/desk/rep');
  if (res.status === 401) throw new AccountError('NOT_SIGNED_IN');
  if (!res.ok) throw new AccountError(res.status >= 500 ? 'UNREACHABLE' : 'SERVER');
  const parsed = v.safeParse(RepViewSchema, await bodyOf(res));
  if (!parsed.success) throw new AccountError('SERVER');
  return parsed.output;
}

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

export async function signIn(username: string, password: string): Promise<void> {
  const res = await call('/api/sign-in', json('POST', { username, password }));
  if (res.status === 204) return;
  const body = await bodyOf(res);
  if (res.status === 401) throw new AccountError('WRONG_CREDENTIALS');
  if (res.status === 429) {
    const seconds = Number(body.retryAfterSeconds ?? res.headers.get('Retry-After') ?? 0);
    throw new AccountError('LOCKED_OUT', Number.isFinite(seconds) ? seconds : 0);
  }
  throw new AccountError(res.status >= 500 ? 'UNREACHABLE' : 'SERVER');
}

export async function signOut(): Promise<void> {
  const res = await call('/api/sign-out', { method: 'POST' });
  if (!res.ok) throw new AccountError('SERVER');
}

export async function fetchAdminConfig(): Promise<AdminConfigView> {
  const res = await call('/api/admin/config');
  if (res.status === 401) throw new AccountError('NOT_SIGNED_IN');
  if (res.status === 403) throw new AccountError('FORBIDDEN');
  if (!res.ok) throw new AccountError(res.status >= 500 ? 'UNREACHABLE' : 'SERVER');
  return (await bodyOf(res)) as unknown as AdminConfigView;
}

/** Saves the whole config; INVALID carries the server's problems. */
export async function saveAdminConfig(config: AdminConfig): Promise<AdminConfigView> {
  const res = await call('/api/admin/config', json('PUT', config));
  const body = await bodyOf(res);
  if (res.ok) return body as unknown as AdminConfigView;
  if (res.status === 401) throw new AccountError('NOT_SIGNED_IN');
  if (res.status === 403) throw new AccountError('FORBIDDEN');
  // Saved here, but the other servers were not told (their Redis link is down).
  if (res.status === 503) throw new AccountError('NOT_ANNOUNCED');
  if (res.status === 400 || res.status === 409) {
    const problems = Array.isArray(body.problems) ? body.problems.filter((p): p is string => typeof p === 'string') : [];
    throw new AccountError('INVALID', 0, problems);
  }
  throw new AccountError(res.status >= 500 ? 'UNREACHABLE' : 'SERVER');
}

/** Minutes to show for a lock-out (at least 1). */
export function lockedMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

/** What the console shell (rep/RepGate.svelte) hands the console about the account. */
export interface ConsoleAccount {
  view: RepView;
  presence: 'available' | 'away';
  onpresence(choice: 'available' | 'away'): void;
  onsignout(): void;
  /** Sign-out failed (server unreachable): shown in the header. */
  signOutError: string | null;
}
