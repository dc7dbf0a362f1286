/**
 * Rep accounts: sign-in (password check, lock-out after repeated failures), the sign-in session
 * behind the `parley_rep` cookie (sliding idle expiry, absolute maximum), sign-out, and ending a
 * rep's sessions when the desk config removes the rep or changes its password.
 *
 * Nothing here logs or counts who: sign-ins are counted by result only (metrics.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { RepAccount } from '../../protocol/desk-config.ts';
import { flexibleLimiter, type Limiter } from '../rate-limit.ts';
import type { DeskSettings } from './config.ts';
import type { RepIdentity } from './rep-auth.ts';
import { prepareDummyHash, verifyPassword } from './passwords.ts';
import type { RepSession, RepSessionStore } from './rep-sessions.ts';

/** A session unused this long ends (each request with the cookie pushes it back). */
export const IDLE_TIMEOUT_MS = 8 * 3600 * 1000;
/** A session ends this long after sign-in, used or not. */
export const MAX_SESSION_MS = 24 * 3600 * 1000;
/** Failed sign-ins per username within the window before it is locked. */
export const FAILURES_PER_USERNAME = 5;
/** Failed sign-ins per client address (an IPv6 client: its /64) within the window; an office shares one address. */
export const FAILURES_PER_IP = 20;
/** The window, and so the longest lock. */
export const LOCKOUT_SECONDS = 15 * 60;

export interface Lockouts {
  username: Limiter;
  ip: Limiter;
}

export function memoryLockouts(perUsername = FAILURES_PER_USERNAME, perIp = FAILURES_PER_IP, seconds = LOCKOUT_SECONDS): Lockouts {
  return {
    username: flexibleLimiter(new RateLimiterMemory({ keyPrefix: 'signin-user', points: perUsername, duration: seconds })),
    ip: flexibleLimiter(new RateLimiterMemory({ keyPrefix: 'signin-ip', points: perIp, duration: seconds })),
  };
}

/** Counted in Redis, so trying each node in turn gives no more attempts. */
export function redisLockouts(redis: Redis, prefix: string, perUsername = FAILURES_PER_USERNAME, perIp = FAILURES_PER_IP, seconds = LOCKOUT_SECONDS): Lockouts {
  const limiter = (name: string, points: number) => flexibleLimiter(new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}limit:${name}`, points, duration: seconds }));
  return { username: limiter('signin-user', perUsername), ip: limiter('signin-ip', perIp) };
}

export type SignInResult =
  | { ok: true; token: string; identity: RepIdentity; maxAgeMs: number }
  | { ok: false; error: 'WRONG_CREDENTIALS' }
  | { ok: false; error: 'LOCKED_OUT'; retryAfterMs: number };

export interface AccountsOptions {
  settings: DeskSettings;
  store: RepSessionStore;
  lockouts: Lockouts;
  onSignIn?(result: 'ok' | 'wrong' | 'locked'): void;
  /** Told the usernames whose sessions a config change ended (to disconnect their sockets). */
  onSessionsEnded?(usernames: string[]): void;
  now?: () => number;
}

/** SHA-256 of the cookie token: the id sessions are stored under. */
export function sessionId(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** Lock-out keys: a hash, so Redis never holds usernames in clear. */
function usernameKey(username: string): string {
  return createHash('sha256').update(username.toLowerCase(), 'utf8').digest('base64url');
}

function credentialOf(rep: RepAccount): string {
  return createHash('sha256').update(rep.passwordHash, 'utf8').digest('base64url').slice(0, 22);
}

export function identityOf(rep: RepAccount): RepIdentity {
  return { username: rep.username, displayName: rep.displayName, role: rep.role, queues: [...rep.queues] };
}

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export class RepAccounts {
  readonly #now: () => number;

  constructor(private readonly options: AccountsOptions) {
    this.#now = options.now ?? Date.now;
    if (options.settings.accountsExist()) prepareDummyHash();
    options.settings.onChange((next, previous) => {
      const ended = previous.reps
        .filter((old) => {
          const still = next.reps.find((rep) => rep.username.toLowerCase() === old.username.toLowerCase());
          return !still || still.passwordHash !== old.passwordHash;
        })
        .map((rep) => rep.username);
      if (ended.length === 0) return;
      void Promise.allSettled(ended.map((name) => this.options.store.deleteUser(name)));
      options.onSessionsEnded?.(ended);
    });
  }

  get accountsExist(): boolean {
    return this.options.settings.accountsExist();
  }

  #find(username: string): RepAccount | undefined {
    const name = username.toLowerCase();
    return this.options.settings.current().reps.find((rep) => rep.username.toLowerCase() === name);
  }

  /**
   * Checks a username and password. A locked username or address is refused before the password
   * is looked at; a wrong password counts against both. Unknown usernames take as long as known
   * ones and get the same answer.
   */
  async signIn(username: string, password: string, ipKey: string): Promise<SignInResult> {
    const { lockouts, onSignIn } = this.options;
    const userKey = usernameKey(username);
    const gate = async (limiter: Limiter, key: string) => (limiter.peek ? limiter.peek(key) : { allowed: true, retryAfterMs: 0 });
    const [byUser, byIp] = await Promise.all([gate(lockouts.username, userKey), gate(lockouts.ip, ipKey)]);
    if (!byUser.allowed || !byIp.allowed) {
      onSignIn?.('locked');
      return { ok: false, error: 'LOCKED_OUT', retryAfterMs: Math.max(byUser.allowed ? 0 : byUser.retryAfterMs, byIp.allowed ? 0 : byIp.retryAfterMs) };
    }
    const rep = this.#find(username);
    const good = await verifyPassword(rep?.passwordHash, password);
    if (!good || !rep) {
      await Promise.all([lockouts.username.consume(userKey), lockouts.ip.consume(ipKey)]);
      onSignIn?.('wrong');
      return { ok: false, error: 'WRONG_CREDENTIALS' };
    }
    await lockouts.username.forget(userKey);
    const token = randomBytes(32).toString('base64url');
    const now = this.#now();
    await this.options.store.put(sessionId(token), { username: rep.username, createdAt: now, lastSeenAt: now, credential: credentialOf(rep) }, IDLE_TIMEOUT_MS);
    onSignIn?.('ok');
    return { ok: true, token, identity: identityOf(rep), maxAgeMs: IDLE_TIMEOUT_MS };
  }

  /**
   * The rep a cookie token belongs to, or null (no such session, expired, or the rep was removed
   * or its password changed). A live session is used: its idle expiry moves forward.
   */
  async resolve(token: string | undefined): Promise<RepIdentity | null> {
    if (!token || !TOKEN_RE.test(token)) return null;
    const id = sessionId(token);
    const session = await this.options.store.get(id);
    if (!session) return null;
    const now = this.#now();
    const rep = this.#find(session.username);
    if (!rep || credentialOf(rep) !== session.credential || this.#expired(session, now)) {
      await this.options.store.delete(id);
      return null;
    }
    const ttl = Math.min(IDLE_TIMEOUT_MS, session.createdAt + MAX_SESSION_MS - now);
    await this.options.store.put(id, { ...session, lastSeenAt: now }, ttl);
    return identityOf(rep);
  }

  /** How long the cookie of a resolved session should live from now (idle, capped by the absolute limit). */
  async cookieMaxAgeMs(token: string): Promise<number> {
    const session = await this.options.store.get(sessionId(token));
    if (!session) return 0;
    return Math.max(0, Math.min(IDLE_TIMEOUT_MS, session.createdAt + MAX_SESSION_MS - this.#now()));
  }

  #expired(session: RepSession, now: number): boolean {
    return now - session.lastSeenAt >= IDLE_TIMEOUT_MS || now - session.createdAt >= MAX_SESSION_MS;
  }

  /** Ends the session of `token` (sign-out). Answers its id, so its sockets can be told. */
  async signOut(token: string | undefined): Promise<string | null> {
    if (!token || !TOKEN_RE.test(token)) return null;
    const id = sessionId(token);
    await this.options.store.delete(id);
    return id;
  }
}
