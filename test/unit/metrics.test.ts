/**
 * `/metrics` counts what happened: real socket.io actions against the real server, then the
 * Prometheus text read over HTTP. Also the token, the scrape-time gauges and bounded labels.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../protocol/base64.ts';
import { PROTOCOL_VERSION } from '../../protocol/version.ts';
import { ParleyMetrics } from '../../signaling/metrics.ts';
import { ServerHarness, next, raw, type Client } from './server-harness.ts';

const harness = new ServerHarness();
afterEach(() => harness.cleanup());
const { startServer, client, connected } = harness;

const PROOF = toBase64Url(new Uint8Array(32).fill(7));
const ask = (socket: Client, event: string, payload: unknown) => raw(socket).timeout(3000).emitWithAck(event, payload) as Promise<Record<string, unknown>>;

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
  return res.text();
}

/** The value of one series (`name{labels}`), or undefined when it has no such series. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('counts a session: created, a refused join, joined, 3 relays and their bytes, burned, closed', async () => {
    const { url } = await startServer();
    const rep = await connected(url);
    const customer = await connected(url);
    const stranger = await connected(url);

    const room = await ask(rep, 'create-room', {});
    expect(room.ok).toBe(true);
    const nameplate = room.nameplate as string;
    const wrong = nameplate === '999' ? '998' : '999';
    expect(await ask(stranger, 'join-room', { nameplate: wrong })).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    let text = await scrape(url);
    expect(sample(text, 'parley_sessions_active{state="waiting"}')).toBe(1);
    expect(sample(text, 'parley_sessions_active{state="paired"}')).toBe(0);

    const joined = next(rep, 'peer-joined');
    expect(await ask(customer, 'join-room', { nameplate })).toMatchObject({ ok: true });
    await joined;
    const messages = ['A'.repeat(10), 'B'.repeat(200), 'C_-'.repeat(30)];
    for (const data of messages) {
      const got = next(customer, 'relay');
      rep.emit('relay', { data });
      await got;
    }
    expect(await ask(stranger, 'join-room', { nameplate })).toEqual({ ok: false, error: 'ROOM_CROWDED' });
    text = await scrape(url);
    expect(sample(text, 'parley_sessions_active{state="waiting"}')).toBe(0);
    expect(sample(text, 'parley_sessions_active{state="paired"}')).toBe(1);
    expect(sample(text, 'parley_sockets_connected')).toBe(3);

    const closed = next(rep, 'room-closed');
    customer.emit('bad-key', {});
    expect(await closed).toMatchObject({ reason: 'ROOM_BURNED' });
    expect(await ask(stranger, 'join-room', { nameplate })).toEqual({ ok: false, error: 'ROOM_BURNED' });

    text = await scrape(url);
    expect(sample(text, 'parley_sessions_created_total')).toBe(1);
    expect(sample(text, 'parley_sessions_joined_total')).toBe(1);
    expect(sample(text, 'parley_joins_refused_total{reason="ROOM_NOT_FOUND"}')).toBe(1);
    expect(sample(text, 'parley_joins_refused_total{reason="ROOM_CROWDED"}')).toBe(1);
    expect(sample(text, 'parley_joins_refused_total{reason="ROOM_BURNED"}')).toBe(1);
    expect(sample(text, 'parley_relayed_messages_total')).toBe(3);
    expect(sample(text, 'parley_relayed_bytes_total')).toBe(10 + 200 + 90);
    expect(sample(text, 'parley_sessions_burned_total')).toBe(1);
    expect(sample(text, 'parley_sessions_closed_total{reason="ROOM_BURNED"}')).toBe(1);
    expect(sample(text, 'parley_sessions_active{state="paired"}')).toBe(0);
    // Labels only ever hold the closed sets of words: no sid, nameplate or address.
    const labels = [...text.matchAll(/^parley_(?!process_|nodejs_)\w+\{([^}]*)\}/gm)].map((m) => m[1]!);
    for (const pair of labels.flatMap((l) => l.split(','))) expect(pair).toMatch(/^[a-z]+="[A-Za-z_]+"$/);
    expect(text).not.toContain(room.sid as string);
  });

  it('counts resumes, restored sessions, expired codes, rate limits and refused connections', async () => {
    const { url } = await startServer({ CODE_TTL_SECONDS: '1', ROOMS_PER_MINUTE_PER_IP: '2' });
    const a = await connected(url);
    const b = await connected(url);
    // A sid this server never saw: restored from the proof, as after a restart.
    const sid = toBase64Url(new Uint8Array(32).fill(1));
    expect(await ask(a, 'resume-room', { sid, role: 'rep', proof: PROOF })).toMatchObject({ ok: true, peerPresent: false });
    expect(await ask(b, 'resume-room', { sid, role: 'customer', proof: toBase64Url(new Uint8Array(32).fill(9)) })).toEqual({ ok: false, error: 'RESUME_REFUSED' });
    // One code left to expire, then the per-IP create limit (2 a minute) refuses the third.
    const expiring = next(b, 'room-closed', 4000);
    expect(await ask(b, 'create-room', {})).toMatchObject({ ok: true });
    expect(await ask(b, 'create-room', {})).toMatchObject({ ok: true });
    expect(await ask(b, 'create-room', {})).toEqual({ ok: false, error: 'RATE_LIMITED' });
    expect(await expiring).toMatchObject({ reason: 'CODE_EXPIRED' });
    await next(client(url, { version: PROTOCOL_VERSION + 1 }), 'connect_error');

    const text = await scrape(url);
    expect(sample(text, 'parley_resumes_total{result="ok"}')).toBe(1);
    expect(sample(text, 'parley_resumes_total{result="RESUME_REFUSED"}')).toBe(1);
    expect(sample(text, 'parley_sessions_restored_total')).toBe(1);
    expect(sample(text, 'parley_sessions_created_total')).toBe(2);
    expect(sample(text, 'parley_rate_limited_total{kind="create"}')).toBe(1);
    expect(sample(text, 'parley_creates_refused_total{reason="RATE_LIMITED"}')).toBe(1);
    expect(sample(text, 'parley_sessions_closed_total{reason="CODE_EXPIRED"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'parley_connections_refused_total{reason="VERSION_MISMATCH"}')).toBe(1);
    expect(sample(text, 'parley_members_away')).toBe(1); // the restored room's other member
  });

  it('has the process metrics, and the length of each support desk queue', async () => {
    const { url } = await startServer();
    const text = await scrape(url);
    for (const name of ['parley_process_resident_memory_bytes', 'parley_process_cpu_seconds_total', 'parley_nodejs_eventloop_lag_seconds']) {
      expect(sample(text, name), name).toBeGreaterThanOrEqual(0);
    }
    expect(text).toContain('# TYPE parley_queue_length gauge');
    expect(text).toMatch(/^parley_queue_length\{queue="general"\} 0$/m); // the default queue
    expect(await ask(await connected(url), 'desk-request', { queue: 'general' })).toMatchObject({ ok: true });
    expect(await scrape(url)).toMatch(/^parley_queue_length\{queue="general"\} 1$/m);
  });

  it('wants the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'a'.repeat(20) + 'Token-123';
    const { url } = await startServer({ METRICS_TOKEN: token });
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${token}`, `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`]) {
      const res = await fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="parley-metrics"');
      expect(await res.text()).not.toContain('parley_');
    }
    expect(await scrape(url, { authorization: `Bearer ${token}` })).toContain('parley_sessions_created_total 0');
  });

  it('two servers in one process count separately', async () => {
    const one = await startServer();
    const two = await startServer();
    await ask(await connected(one.url), 'create-room', {});
    expect(sample(await scrape(one.url), 'parley_sessions_created_total')).toBe(1);
    expect(sample(await scrape(two.url), 'parley_sessions_created_total')).toBe(0);
  });
});

describe('ParleyMetrics', () => {
  it('serves the counters without gauges when the stats source fails', async () => {
    const metrics = new ParleyMetrics();
    metrics.created();
    metrics.setSnapshotSource(() => ({ waiting: 2, paired: 3, away: 1, sockets: 7, queues: { billing: 4 } }));
    let text = await metrics.scrape();
    expect(sample(text, 'parley_sessions_active{state="waiting"}')).toBe(2);
    expect(sample(text, 'parley_queue_length{queue="billing"}')).toBe(4);
    const errors: unknown[] = [];
    metrics.setSnapshotSource(() => Promise.reject(new Error('store unreachable')));
    text = await metrics.scrape((err) => errors.push(err));
    expect(errors).toHaveLength(1);
    expect(sample(text, 'parley_sessions_created_total')).toBe(1);
    expect(text).not.toMatch(/^parley_(sessions_active|queue_length|members_away|sockets_connected)[{ ]/m);
    metrics.setSnapshotSource(() => ({ waiting: 0, paired: 1, away: 0, sockets: 2 }));
    text = await metrics.scrape();
    expect(sample(text, 'parley_members_away')).toBe(0);
    expect(sample(text, 'parley_sockets_connected')).toBe(2);
    expect(text).not.toMatch(/^parley_queue_length\{/m); // the queue is gone
  });
});
