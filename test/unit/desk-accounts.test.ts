/**
 * Rep accounts end to end on a real server: the sign-in API (cookie, lock-out, expiry, sign-out,
 * sessions ended by a config change), the admin API, and socket identification (create-room
 * refused NOT_SIGNED_IN without a session). Run against the in-memory stores and against Redis.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../signaling/desk/passwords.ts';
import { memoryLockouts, redisLockouts, IDLE_TIMEOUT_MS, MAX_SESSION_MS } from '../../signaling/desk/accounts.ts';
import { ServerHarness, next, raw, type TestServer } from './server-harness.ts';
import { useRedis } from './redis-harness.ts';
import { ALICE, BOB, deskConfigWithReps, writeDeskFile } from './desk-fixtures.ts';

const redis = useRedis();
const harness = new ServerHarness();
afterEach(() => harness.cleanup());

type Mode = 'in memory' | 'on Redis';
const prefixes = new WeakMap<object, string>();
const prefixOf = (t: TestServer) => prefixes.get(t.server) ?? '';

describe.each<Mode>(['in memory', 'on Redis'])('rep accounts %s', (mode) => {
  async function start(options: { perUsername?: number; perIp?: number; config?: Record<string, unknown> } = {}) {
    let time = 1_000_000_000;
    const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
    const file = writeDeskFile(options.config ?? (await deskConfigWithReps()));
    const prefix = redis.newPrefix();
    const env: Record<string, string> = { DESK_CONFIG: file, ...(mode === 'on Redis' ? { REDIS_URL: redis().url, REDIS_PREFIX: prefix } : {}) };
    const lockouts =
      mode === 'on Redis' ? redisLockouts(redis().client, prefix, options.perUsername ?? 5, options.perIp ?? 20) : memoryLockouts(options.perUsername ?? 5, options.perIp ?? 20);
    const test = await harness.startServer(env, { desk: { now: clock.now, lockouts } });
    prefixes.set(test.server, prefix);
    if (mode === 'on Redis') await new Promise((resolve) => setTimeout(resolve, 200)); // the config channel subscribes
    return { ...test, clock, file };
  }

  async function post(t: TestServer, path: string, body: unknown, headers: Record<string, string> = {}) {
    return fetch(`${t.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  }

  async function signIn(t: TestServer, who: { username: string; password: string }, headers: Record<string, string> = {}) {
    return post(t, '/api/sign-in', who, headers);
  }

  function cookieOf(res: Response): string {
    const header = res.headers.get('set-cookie') ?? '';
    return header.split(';')[0]!;
  }

  async function signedIn(t: TestServer, who = ALICE): Promise<string> {
    const res = await signIn(t, who);
    expect(res.status).toBe(204);
    return cookieOf(res);
  }

  const get = (t: TestServer, path: string, cookie?: string) => fetch(`${t.url}${path}`, { headers: cookie ? { cookie } : {} });

  it('signs in with the right password: an httpOnly, SameSite=Strict session cookie, then the rep view', async () => {
    const t = await start();
    const res = await signIn(t, ALICE);
    expect(res.status).toBe(204);
    const header = res.headers.get('set-cookie')!;
    expect(header).toMatch(/^parley_rep=[A-Za-z0-9_-]{43}; /);
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Strict');
    expect(header).toContain('Path=/');
    expect(header).toContain(`Max-Age=${IDLE_TIMEOUT_MS / 1000}`);
    expect(header).not.toContain('Secure'); // plain HTTP here
    const view = await get(t, '/api/desk/rep', cookieOf(res));
    expect(view.status).toBe(200);
    const body = (await view.json()) as { openMode: boolean; me: { username: string; displayName: string; role: string } };
    expect(body.openMode).toBe(false);
    expect(body.me).toEqual({ username: 'alice', displayName: 'Alice Martin', role: 'admin', queues: ['general', 'billing'] });
    expect(JSON.stringify(body)).not.toContain('scrypt');
  });

  it('marks the cookie Secure behind a trusted TLS proxy', async () => {
    const t = await start();
    // TRUST_PROXY is off here: the header is not believed.
    expect((await signIn(t, ALICE, { 'X-Forwarded-Proto': 'https' })).headers.get('set-cookie')).not.toContain('Secure');
    const trusted = await harness.startServer({ DESK_CONFIG: t.file, TRUST_PROXY: 'true' });
    const res = await post(trusted, '/api/sign-in', ALICE, { 'X-Forwarded-Proto': 'https' });
    expect(res.headers.get('set-cookie')).toContain('; Secure');
  });

  it('answers the same 401 for a wrong password and for an unknown user, and sets no cookie', async () => {
    const t = await start();
    const wrong = await signIn(t, { username: 'alice', password: 'not-her-password' });
    const unknown = await signIn(t, { username: 'mallory', password: 'whatever-password' });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await res.json()).toEqual({ error: 'WRONG_CREDENTIALS' });
    }
    expect(t.logs.join('\n')).not.toMatch(/alice|mallory|not-her-password/);
    await signIn(t, ALICE);
    const metrics = await (await get(t, '/metrics')).text();
    expect(metrics).toContain('parley_rep_sign_ins_total{result="wrong"} 2');
    expect(metrics).toContain('parley_rep_sign_ins_total{result="ok"} 1');
    expect(metrics).not.toMatch(/alice|mallory/);
  });

  it('without a session once accounts exist: 401 NOT_SIGNED_IN; the portal view stays public', async () => {
    const t = await start();
    expect((await get(t, '/api/desk/rep')).status).toBe(401);
    expect((await get(t, '/api/desk/rep', 'parley_rep=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
    const portal = await get(t, '/api/desk/portal');
    expect(portal.status).toBe(200);
    const body = (await portal.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['portal', 'queues', 'survey']);
    expect((body.portal as { greeting: string }).greeting).toBe('Welcome to support');
  });

  it('locks a username out after 5 failures (429 + Retry-After), even for the right password, and not another user', async () => {
    const t = await start();
    for (let i = 0; i < 5; i++) expect((await signIn(t, { username: 'alice', password: `wrong-${i}-password` })).status).toBe(401);
    const locked = await signIn(t, ALICE);
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(await locked.json()).toEqual({ error: 'LOCKED_OUT', retryAfterSeconds: retryAfter });
    expect((await signIn(t, { username: 'ALICE', password: ALICE.password })).status).toBe(429); // case does not dodge it
    expect((await signIn(t, BOB)).status).toBe(204);
  });

  it('locks a client address out after its failures across usernames', async () => {
    const t = await start({ perIp: 6 });
    for (let i = 0; i < 6; i++) expect((await signIn(t, { username: `user${i}`, password: 'guessing-password' })).status).toBe(401);
    expect((await signIn(t, BOB)).status).toBe(429);
  });

  it('a success clears the username failures', async () => {
    const t = await start();
    for (let i = 0; i < 4; i++) await signIn(t, { username: 'bob', password: 'nope-nope-nope' });
    expect((await signIn(t, BOB)).status).toBe(204);
    for (let i = 0; i < 4; i++) expect((await signIn(t, { username: 'bob', password: 'nope-nope-nope' })).status).toBe(401);
    expect((await signIn(t, BOB)).status).toBe(204);
  });

  it('sessions end after 8 idle hours, and after 24 hours however busy', async () => {
    const t = await start();
    const cookie = await signedIn(t);
    t.clock.advance(IDLE_TIMEOUT_MS - 60_000);
    expect((await get(t, '/api/desk/rep', cookie)).status).toBe(200); // used: the idle clock restarts
    t.clock.advance(IDLE_TIMEOUT_MS - 60_000);
    expect((await get(t, '/api/desk/rep', cookie)).status).toBe(200);
    t.clock.advance(IDLE_TIMEOUT_MS);
    expect((await get(t, '/api/desk/rep', cookie)).status).toBe(401);

    const busy = await signedIn(t);
    for (let elapsed = 0; elapsed < MAX_SESSION_MS - 3600_000; elapsed += 3600_000) {
      t.clock.advance(3600_000);
      expect((await get(t, '/api/desk/rep', busy)).status).toBe(200);
    }
    t.clock.advance(3600_000);
    expect((await get(t, '/api/desk/rep', busy)).status).toBe(401);
  });

  it('signing out ends the session (the cookie no longer works) and clears the cookie', async () => {
    const t = await start();
    const cookie = await signedIn(t);
    const out = await post(t, '/api/sign-out', {}, { cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^parley_rep=; Max-Age=0;/);
    expect((await get(t, '/api/desk/rep', cookie)).status).toBe(401);
  });

  it('refuses sign-in and sign-out from another origin, and bodies that are not small JSON', async () => {
    const t = await start();
    expect((await signIn(t, ALICE, { Origin: 'https://evil.example' })).status).toBe(403);
    const cookie = await signedIn(t);
    expect((await post(t, '/api/sign-out', {}, { cookie, Origin: 'https://evil.example' })).status).toBe(403);
    expect((await get(t, '/api/desk/rep', cookie)).status).toBe(200);
    const form = await fetch(`${t.url}/api/sign-in`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'username=alice&password=x' });
    expect(form.status).toBe(415);
    expect((await post(t, '/api/sign-in', { username: 'alice', password: 'x'.repeat(5000) })).status).toBe(413);
    expect((await post(t, '/api/sign-in', { username: 42 })).status).toBe(400);
    for (const body of [null, [], 'alice', { username: 'a'.repeat(201), password: 'x' }, { username: 'alice', password: ['x'] }, { username: 'alice' }]) {
      expect((await post(t, '/api/sign-in', body)).status, JSON.stringify(body).slice(0, 40)).toBe(400);
    }
    const notJson = await fetch(`${t.url}/api/sign-in`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username": "alice", ' });
    expect(notJson.status).toBe(400);
    expect((await fetch(`${t.url}/api/sign-in`)).status).toBe(405);
    expect((await fetch(`${t.url}/api/desk/portal`, { method: 'DELETE' })).status).toBe(405);
    const url = new URL(t.url);
    expect((await signIn(t, ALICE, { Origin: `http://${url.host}` })).status).toBe(204);
  });

  it('create-room needs a signed-in rep once accounts exist (NOT_SIGNED_IN), and works with the cookie', async () => {
    const t = await start();
    const anonymous = await harness.connected(t.url);
    expect(await anonymous.timeout(3000).emitWithAck('create-room', {})).toEqual({ ok: false, error: 'NOT_SIGNED_IN' });
    const cookie = await signedIn(t);
    const rep = await harness.connected(t.url, { headers: { cookie } });
    expect(await rep.timeout(3000).emitWithAck('create-room', {})).toMatchObject({ ok: true });
  });

  it('a rep signing out has its sockets told NOT_SIGNED_IN and disconnected', async () => {
    const t = await start();
    const cookie = await signedIn(t);
    const rep = await harness.connected(t.url, { headers: { cookie } });
    const told = next(rep, 'server-error');
    const gone = next(rep, 'disconnect');
    await post(t, '/api/sign-out', {}, { cookie });
    expect(await told).toEqual({ code: 'NOT_SIGNED_IN' });
    expect(await gone).toBe('io server disconnect');
  });

  it('removing a rep or changing its password in the config ends its sessions and disconnects its sockets', async () => {
    const t = await start();
    const alice = await signedIn(t, ALICE);
    const bob = await signedIn(t, BOB);
    const bobSocket = await harness.connected(t.url, { headers: { cookie: bob } });
    const told = next(bobSocket, 'server-error');
    const current = t.server.desk.settings.current();
    await t.server.desk.settings.save({ ...current, reps: current.reps.filter((r) => r.username !== 'bob') });
    expect(await told).toEqual({ code: 'NOT_SIGNED_IN' });
    expect((await get(t, '/api/desk/rep', bob)).status).toBe(401);
    expect((await get(t, '/api/desk/rep', alice)).status).toBe(200);

    const newHash = await hashPassword('alice-new-password', { log2N: 14, r: 8, p: 1 });
    const now = t.server.desk.settings.current();
    await t.server.desk.settings.save({ ...now, reps: now.reps.map((r) => (r.username === 'alice' ? { ...r, passwordHash: newHash } : r)) });
    expect((await get(t, '/api/desk/rep', alice)).status).toBe(401);
    expect((await signIn(t, { username: 'alice', password: 'alice-new-password' })).status).toBe(204);
  });

  // Only meaningful with several nodes, so only defined on Redis (not a skipped test in memory).
  if (mode === 'on Redis') it('a config saved on one node is reloaded by the others, and a session works on any node', async () => {
    const a = await start();
    const b = await harness.startServer({ DESK_CONFIG: a.file, REDIS_URL: redis().url, REDIS_PREFIX: prefixOf(a) }, { desk: { now: a.clock.now } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cookie = await signedIn(a);
    expect((await get(b, '/api/desk/rep', cookie)).status).toBe(200);
    const current = a.server.desk.settings.current();
    await a.server.desk.settings.save({ ...current, portal: { ...current.portal, greeting: 'Saved on node A' } });
    await expect.poll(async () => ((await (await get(b, '/api/desk/portal')).json()) as { portal: { greeting: string } }).portal.greeting).toBe('Saved on node A');
  });

  it('canned messages need a signed-in rep, and the desk config overrides them live', async () => {
    const t = await start({ config: await deskConfigWithReps({ cannedMessages: [{ title: 'Hi', text: 'Hello from the desk config' }] }) });
    expect((await get(t, '/api/rep/canned')).status).toBe(401);
    const cookie = await signedIn(t);
    expect(await (await get(t, '/api/rep/canned', cookie)).json()).toEqual({ items: [{ title: 'Hi', text: 'Hello from the desk config' }] });
    const current = t.server.desk.settings.current();
    await t.server.desk.settings.save({ ...current, cannedMessages: [{ title: 'Bye', text: 'Edited' }] });
    expect(await (await get(t, '/api/rep/canned', cookie)).json()).toEqual({ items: [{ title: 'Bye', text: 'Edited' }] });
  });

  it('room answers carry the desk config file policy and ICE servers, read live', async () => {
    const t = await start();
    const cookie = await signedIn(t);
    const rep = await harness.connected(t.url, { headers: { cookie } });
    const before = (await rep.timeout(3000).emitWithAck('create-room', {})) as { filePolicy: { maxBytes: number }; iceServers: unknown[] };
    expect(before.iceServers).toEqual([]);
    const current = t.server.desk.settings.current();
    const filePolicy = { maxBytes: 1024, maxCount: 1, types: ['text/plain'], autoAcceptFromRep: false };
    await t.server.desk.settings.save({ ...current, filePolicy, iceServers: [{ urls: 'stun:stun.example.org' }] });
    const after = (await rep.timeout(3000).emitWithAck('create-room', {})) as { filePolicy: unknown; iceServers: unknown[] };
    expect(after.filePolicy).toEqual(filePolicy);
    expect(after.iceServers).toEqual([{ urls: 'stun:stun.example.org' }]);
  });

  it('desk-presence: a signed-in console is available or away, offline once gone; refused without a session', async () => {
    const t = await start();
    const anonymous = await harness.connected(t.url);
    expect(await raw(anonymous).timeout(3000).emitWithAck('desk-presence', { status: 'away' })).toEqual({ ok: false, error: 'NOT_SIGNED_IN' });
    const cookie = await signedIn(t, BOB);
    const console1 = await harness.connected(t.url, { headers: { cookie } });
    expect(await t.server.desk.presence.status('bob')).toBe('offline');
    expect(await raw(console1).timeout(3000).emitWithAck('desk-presence', { status: 'away' })).toEqual({ ok: true });
    expect(await t.server.desk.presence.status('bob')).toBe('away');
    expect(await raw(console1).timeout(3000).emitWithAck('desk-presence', { status: 'sleeping' })).toEqual({ ok: false, error: 'MALFORMED' });
    console1.disconnect();
    await expect.poll(() => t.server.desk.presence.status('bob')).toBe('offline');
  });

  describe('admin API', () => {
    const put = (t: TestServer, body: unknown, cookie: string) =>
      fetch(`${t.url}/api/admin/config`, { method: 'PUT', headers: { 'Content-Type': 'application/json', cookie }, body: JSON.stringify(body) });

    it('is for admins only: 401 signed out, 403 for a rep', async () => {
      const t = await start();
      expect((await get(t, '/api/admin/config')).status).toBe(401);
      expect((await get(t, '/api/admin/config', await signedIn(t, BOB))).status).toBe(403);
      expect((await put(t, {}, await signedIn(t, BOB))).status).toBe(403);
    });

    it('shows the whole config without any password hash, and saves an edit applied at once', async () => {
      const t = await start();
      const cookie = await signedIn(t, ALICE);
      const res = await get(t, '/api/admin/config', cookie);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toMatch(/scrypt|passwordHash/);
      const { config } = JSON.parse(text) as { config: Record<string, unknown> & { portal: Record<string, unknown> } };
      const saved = await put(t, { ...config, portal: { ...config.portal, greeting: 'New greeting' } }, cookie);
      expect(saved.status).toBe(200);
      expect(((await (await get(t, '/api/desk/portal')).json()) as { portal: { greeting: string } }).portal.greeting).toBe('New greeting');
      expect(JSON.parse(readFileSync(t.file, 'utf8')).reps[0].passwordHash).toMatch(/^scrypt\$/); // hashes kept
      expect((await get(t, '/api/desk/rep', cookie)).status).toBe(200); // her session survives her own edit
    });

    it('hashes a new password on the server; a new rep without one, or a bad config, is refused with every problem', async () => {
      const t = await start();
      const cookie = await signedIn(t, ALICE);
      const { config } = (await (await get(t, '/api/admin/config', cookie)).json()) as { config: { reps: Record<string, unknown>[] } & Record<string, unknown> };
      const carol = { username: 'carol', displayName: 'Carol', queues: ['general'], role: 'rep' };
      const refused = await put(t, { ...config, reps: [...config.reps, carol], elapsedThresholds: { amberSeconds: 9, redSeconds: 3 } }, cookie);
      expect(refused.status).toBe(400);
      const { problems } = (await refused.json()) as { problems: string[] };
      expect(problems).toContain('reps[2].password: a new rep needs a password');
      const withBadThresholds = await put(t, { ...config, reps: [...config.reps, { ...carol, password: 'carol-password-1' }], elapsedThresholds: { amberSeconds: 9, redSeconds: 3 } }, cookie);
      expect(((await withBadThresholds.json()) as { problems: string[] }).problems).toContain('elapsedThresholds: redSeconds must be more than amberSeconds');
      const ok = await put(t, { ...config, reps: [...config.reps, { ...carol, password: 'carol-password-1' }] }, cookie);
      expect(ok.status).toBe(200);
      expect(readFileSync(t.file, 'utf8')).not.toContain('carol-password-1');
      expect((await signIn(t, { username: 'carol', password: 'carol-password-1' })).status).toBe(204);
      const tooShort = await put(t, { ...config, reps: [{ ...config.reps[0], password: 'short' }] }, cookie);
      expect(((await tooShort.json()) as { problems: string[] }).problems).toContain('reps[0].password: must be at least 10 characters');
    });
  });
});

describe('open mode (no accounts)', () => {
  it('anyone is a rep: the rep view says openMode, create-room works, sign-in is refused', async () => {
    const t = await harness.startServer();
    const view = (await (await fetch(`${t.url}/api/desk/rep`)).json()) as { openMode: boolean; me: null };
    expect(view).toMatchObject({ openMode: true, me: null });
    const socket = await harness.connected(t.url);
    expect(await socket.timeout(3000).emitWithAck('create-room', {})).toMatchObject({ ok: true });
    const res = await fetch(`${t.url}/api/sign-in`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ALICE) });
    expect(res.status).toBe(409);
    expect((await fetch(`${t.url}/api/admin/config`)).status).toBe(403);
  });
});
