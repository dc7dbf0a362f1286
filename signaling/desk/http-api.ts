/**
 * The desk's HTTP API:
 *
 * - `POST /api/sign-in` {username, password} → 204 + `parley_rep` cookie; 401 WRONG_CREDENTIALS;
 *   429 LOCKED_OUT (Retry-After);
 * - `POST /api/sign-out` → 204, the session ended and the cookie cleared;
 * - `GET /api/desk/rep` → RepView (401 NOT_SIGNED_IN once accounts exist and no session);
 * - `GET /api/desk/portal` → PortalView (public);
 * - `GET /api/admin/config`, `PUT /api/admin/config` → admin reps only (403 otherwise);
 * - `GET /api/rep/canned` → the canned messages (401 once accounts exist and no session).
 *
 * POST/PUT need a JSON body (a cross-site form cannot send one) and, when the browser says where
 * the request comes from (`Origin`), this very origin.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import type { AdminConfig, AdminConfigView, SignInFailure } from '../../protocol/desk-admin.ts';
import { AdminConfigSchema } from '../../protocol/desk-admin.ts';
import { deskConfigProblems, type DeskConfig, type PortalView, type RepView } from '../../protocol/desk-config.ts';
import type { CannedNode } from '../../protocol/canned.ts';
import { CANNED_PATH } from '../http.ts';
import type { RepAccounts } from './accounts.ts';
import { DeskConfigInvalid, DeskConfigNotAnnounced, type DeskSettings } from './config.ts';
import { REP_COOKIE, readCookie, type RepIdentity } from './rep-auth.ts';
import { hashPassword } from './passwords.ts';

export const SIGN_IN_PATH = '/api/sign-in';
export const SIGN_OUT_PATH = '/api/sign-out';
export const REP_VIEW_PATH = '/api/desk/rep';
export const PORTAL_VIEW_PATH = '/api/desk/portal';
export const ADMIN_CONFIG_PATH = '/api/admin/config';

const SIGN_IN_BODY_LIMIT = 4 * 1024;
const ADMIN_BODY_LIMIT = 1024 * 1024;

const SignInSchema = v.object({ username: v.pipe(v.string(), v.maxLength(200)), password: v.pipe(v.string(), v.maxLength(1024)) });

export interface DeskApiOptions {
  settings: DeskSettings;
  accounts: RepAccounts;
  trustProxy: boolean;
  /** The per-IP lock-out key of a request (rate-limit.ts `rateLimitKey` of the client address). */
  ipKey(req: IncomingMessage): string;
  /** The canned messages in use (the desk config's, else the server setting). */
  cannedMessages(): CannedNode[];
  /** A sign-out ended session `id`: its sockets must be told and disconnected. */
  onSignedOut(id: string): void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

/** The handler of the desk routes; answers null for any other path (not handled). */
export function deskApi(options: DeskApiOptions): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> | null {
  const { settings, accounts } = options;

  const routes: Record<string, Partial<Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>>> = {
    [SIGN_IN_PATH]: { POST: signIn },
    [SIGN_OUT_PATH]: { POST: signOut },
    [REP_VIEW_PATH]: { GET: repView },
    [PORTAL_VIEW_PATH]: { GET: portalView },
    [ADMIN_CONFIG_PATH]: { GET: adminGet, PUT: adminPut },
    [CANNED_PATH]: { GET: canned },
  };

  return (req, res, path) => {
    const route = routes[path];
    if (!route) return null;
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const handler = route[method];
    res.setHeader('Cache-Control', 'no-store');
    if (!handler) {
      res.setHeader('Allow', Object.keys(route).join(', '));
      return Promise.resolve(json(res, 405, { error: 'METHOD_NOT_ALLOWED' }));
    }
    return handler(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return json(res, err.status, err.body);
      throw err;
    });
  };

  async function signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = v.safeParse(SignInSchema, await readJson(req, SIGN_IN_BODY_LIMIT, options.trustProxy));
    if (!body.success) return json(res, 400, { error: 'MALFORMED' } satisfies SignInFailure);
    if (!accounts.accountsExist) return json(res, 409, { error: 'FORBIDDEN' } satisfies SignInFailure);
    const result = await accounts.signIn(body.output.username, body.output.password, options.ipKey(req));
    if (result.ok) {
      setCookie(req, res, result.token, result.maxAgeMs);
      res.writeHead(204);
      res.end();
      return;
    }
    if (result.error === 'LOCKED_OUT') {
      const retryAfterSeconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      res.setHeader('Retry-After', String(retryAfterSeconds));
      return json(res, 429, { error: 'LOCKED_OUT', retryAfterSeconds } satisfies SignInFailure);
    }
    return json(res, 401, { error: 'WRONG_CREDENTIALS' } satisfies SignInFailure);
  }

  async function signOut(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkOrigin(req, options.trustProxy);
    const id = await accounts.signOut(readCookie(req.headers.cookie));
    if (id) options.onSignedOut(id);
    setCookie(req, res, '', 0);
    res.writeHead(204);
    res.end();
  }

  /** The signed-in rep (its cookie's lifetime pushed forward), null in open mode; throws 401. */
  async function rep(req: IncomingMessage, res: ServerResponse): Promise<RepIdentity | null> {
    if (!accounts.accountsExist) return null;
    const token = readCookie(req.headers.cookie);
    const identity = await accounts.resolve(token);
    if (!identity || !token) throw new HttpError(401, { error: 'NOT_SIGNED_IN' });
    setCookie(req, res, token, await accounts.cookieMaxAgeMs(token));
    return identity;
  }

  async function repView(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const me = await rep(req, res);
    const c = settings.current();
    const view: RepView = {
      openMode: me === null,
      me,
      queues: c.queues,
      survey: c.survey,
      elapsedThresholds: c.elapsedThresholds,
      customerSigning: c.customerSigning,
      requestWebhook: c.requestWebhook,
      sharedHistoryMinutes: c.sharedHistoryMinutes,
    };
    json(res, 200, view);
  }

  /** The canned messages are a rep feature: signed-in reps only once accounts exist. */
  async function canned(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await rep(req, res);
    json(res, 200, { items: options.cannedMessages() });
  }

  async function portalView(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const c = settings.current();
    json(res, 200, { queues: c.queues, portal: c.portal, survey: c.survey } satisfies PortalView);
  }

  async function admin(req: IncomingMessage, res: ServerResponse): Promise<RepIdentity> {
    const me = await rep(req, res);
    if (!me || me.role !== 'admin') throw new HttpError(403, { error: 'FORBIDDEN' });
    return me;
  }

  async function adminGet(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await admin(req, res);
    json(res, 200, { config: toAdminConfig(settings.current()), writable: settings.file !== null } satisfies AdminConfigView);
  }

  async function adminPut(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkOrigin(req, options.trustProxy);
    await admin(req, res);
    if (!settings.file) return json(res, 409, { problems: ['DESK_CONFIG is not set: there is no file to save to'] });
    const input = await readJson(req, ADMIN_BODY_LIMIT, options.trustProxy);
    const parsed = v.safeParse(AdminConfigSchema, input);
    if (!parsed.success) return json(res, 400, { problems: parsed.issues.map(problemLine) });
    const current = settings.current();
    const problems: string[] = [];
    const reps = await Promise.all(
      parsed.output.reps.map(async ({ password, ...rep }, i) => {
        const existing = current.reps.find((r) => r.username.toLowerCase() === rep.username.toLowerCase());
        if (password) return { ...rep, passwordHash: await hashPassword(password) };
        if (existing) return { ...rep, passwordHash: existing.passwordHash };
        problems.push(`reps[${i}].password: a new rep needs a password`);
        return { ...rep, passwordHash: '' };
      }),
    );
    const next = { ...parsed.output, reps };
    if (problems.length === 0) problems.push(...deskConfigProblems(next).filter((p) => !p.includes('.passwordHash')));
    if (problems.length > 0) return json(res, 400, { problems: problems.map(bracketPath) });
    try {
      const saved = await settings.save(next);
      json(res, 200, { config: toAdminConfig(saved), writable: true } satisfies AdminConfigView);
    } catch (err) {
      if (err instanceof DeskConfigInvalid) return json(res, 400, { problems: err.problems.map(bracketPath) });
      if (err instanceof DeskConfigNotAnnounced) {
        return json(res, 503, { error: 'NOT_ANNOUNCED' });
      }
      throw err;
    }
  }

  function setCookie(req: IncomingMessage, res: ServerResponse, token: string, maxAgeMs: number): void {
    const secure = isTls(req, options.trustProxy) ? '; Secure' : '';
    res.setHeader('Set-Cookie', `${REP_COOKIE}=${token}; Max-Age=${Math.floor(maxAgeMs / 1000)}; Path=/; HttpOnly; SameSite=Strict${secure}`);
  }
}

/** The config as the admin page sees it: no password hashes ever reach a browser. */
export function toAdminConfig(config: DeskConfig): AdminConfig {
  return { ...config, reps: config.reps.map(({ passwordHash: _hash, ...rep }) => rep) };
}

/** Whether the browser reached this server over TLS (directly, or through a trusted proxy that says so). */
export function isTls(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  const proto = req.headers['x-forwarded-proto'];
  return trustProxy && typeof proto === 'string' && proto.split(',')[0]?.trim().toLowerCase() === 'https';
}

/** A request a browser sent from another origin is refused (403): no cross-site sign-in or sign-out. */
function checkOrigin(req: IncomingMessage, trustProxy: boolean): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    host = null;
  }
  const forwarded = req.headers['x-forwarded-host'];
  const expected = trustProxy && typeof forwarded === 'string' ? [req.headers.host, forwarded.split(',')[0]?.trim()] : [req.headers.host];
  if (host === null || !expected.includes(host)) throw new HttpError(403, { error: 'FORBIDDEN' });
}

/** The JSON body (same-origin, `application/json`, at most `limit` bytes). */
async function readJson(req: IncomingMessage, limit: number, trustProxy: boolean): Promise<unknown> {
  checkOrigin(req, trustProxy);
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new HttpError(415, { error: 'MALFORMED' });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, { error: 'PAYLOAD_TOO_LARGE' });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, { error: 'PAYLOAD_TOO_LARGE' });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, { error: 'MALFORMED' });
  }
}

function problemLine(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  return bracketPath(path ? `${path}: ${issue.message}` : issue.message);
}

/** `reps.0.queues: …` → `reps[0].queues: …` */
function bracketPath(problem: string): string {
  return problem.replace(/^([^:]*)/, (path) => path.replace(/\.(\d+)(?=\.|$)/g, '[$1]'));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}
