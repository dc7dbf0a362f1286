/**
 * The support desk on two signaling nodes sharing one Redis: a rep console on node A, a customer
 * on node B; the customer's details are sealed for the console, offered across nodes, and the
 * accept pairs the rep's session socket (node A) with the customer's socket (node B) in a room
 * that relays both ways.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../protocol/base64.ts';
import type { DeskQueue } from '../../protocol/desk.ts';
import { useRedis } from './redis-harness.ts';
import { ServerHarness, next, raw, type Client } from './server-harness.ts';

const redis = useRedis();
const harness = new ServerHarness();
afterEach(() => harness.cleanup());
const ask = (socket: Client, event: string, payload: unknown) => raw(socket).timeout(3000).emitWithAck(event, payload);
const KEY = toBase64Url(new Uint8Array(32).fill(7));

describe('support desk on two nodes', () => {
  it('console on node A, customer on node B: offer, details, accept, relay both ways', async () => {
    const shared = { REDIS_URL: redis().url, REDIS_PREFIX: redis.newPrefix() };
    const a = await harness.startServer(shared);
    const b = await harness.startServer(shared);
    for (const node of [a, b]) await expect.poll(() => node.server.readiness().ready, { timeout: 5000 }).toBe(true);

    const repConsole = await harness.connected(a.url);
    const hello = (await ask(repConsole, 'desk-hello', { displayName: 'Ann', publicKey: KEY })) as { ok: true; keyId: string };
    expect(hello.ok).toBe(true);

    const customer = await harness.connected(b.url);
    const queued = (await ask(customer, 'desk-request', { queue: 'general' })) as { ok: true; requestId: string; repKeys: { keyId: string }[] };
    expect(queued.repKeys).toEqual([{ keyId: hello.keyId, publicKey: KEY }]);
    const snapshots: DeskQueue[] = [];
    repConsole.on('desk-queue', (s) => snapshots.push(s));
    expect(await ask(customer, 'desk-details', { requestId: queued.requestId, sealed: [{ keyId: hello.keyId, data: 'c2VhbGVk' }] })).toEqual({ ok: true });
    await expect.poll(() => snapshots.at(-1)?.entries[0], { timeout: 3000 }).toMatchObject({ requestId: queued.requestId, offered: true, details: 'c2VhbGVk' });

    const session = await harness.connected(a.url);
    expect(await ask(session, 'desk-hello', { displayName: 'Ann', publicKey: KEY, console: false })).toMatchObject({ ok: true });
    const accepted = next(customer, 'desk-accepted');
    const answer = (await ask(session, 'desk-accept', { requestId: queued.requestId })) as { ok: true; sid: string };
    expect(answer).toMatchObject({ ok: true });
    expect(await accepted).toMatchObject({ requestId: queued.requestId, sid: answer.sid, repName: 'Ann' });

    const toCustomer = next(customer, 'relay');
    session.emit('relay', { data: 'ZnJvbS1yZXA' });
    expect(await toCustomer).toEqual({ data: 'ZnJvbS1yZXA', sid: answer.sid });
    const toRep = next(session, 'relay');
    customer.emit('relay', { data: 'ZnJvbS1jdXN0b21lcg' });
    expect(await toRep).toEqual({ data: 'ZnJvbS1jdXN0b21lcg', sid: answer.sid });
    await expect.poll(() => snapshots.at(-1)?.entries, { timeout: 3000 }).toEqual([]);
    // The queue gauge comes from the shared state.
    expect(await (await fetch(`${b.url}/metrics`)).text()).toMatch(/^parley_queue_length\{queue="general"\} 0$/m);
    // The accepting node counted the wait.
    expect(await (await fetch(`${a.url}/metrics`)).text()).toMatch(/^parley_queue_wait_seconds_count\{queue="general"\} 1$/m);
  });
});
