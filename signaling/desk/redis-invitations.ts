/**
 * Invitations (invitations.ts) shared by several signaling nodes through Redis: same behaviour
 * as MemoryInvitations (one test suite runs on both), each operation one atomic Lua script.
 *
 * Keys (under the prefix):
 *   inv:<id>          the record, JSON
 *   inv-exp           zset id → expiresAt (every record, for the sweep and the global limit)
 *   inv-sid:<sid>     set of ids of one customer room
 *   inv-to:<user>     zset id → expiresAt (pending invitations to one rep)
 *   inv-sock:<socket> set of pending ids made from one socket
 */
import { randomBytes } from 'node:crypto';
import { ReplyError, type Redis } from 'ioredis';
import type { Invitation } from '../../protocol/desk.ts';
import { StoreUnavailableError, type Result } from '../room-types.ts';
import { DEFAULT_INVITATION_OPTIONS, newInvitationRecord, newInviteId, toInvitation, type InvitationOptions, type InvitationRecord, type Invitations, type NewInvitation } from './invitations.ts';

/** Records outlive their deadline by this much at most if no sweep ever runs (backstop). */
const BACKSTOP_MS = 24 * 60 * 60_000;

/** Removes one record and its index entries. Needs `p` (prefix) and `id`; returns the JSON or false. */
const REMOVE = `
local function remove(p, id)
  local json = redis.call('GET', p .. 'inv:' .. id)
  redis.call('ZREM', p .. 'inv-exp', id)
  if not json then return false end
  local r = cjson.decode(json)
  redis.call('DEL', p .. 'inv:' .. id)
  redis.call('SREM', p .. 'inv-sid:' .. r.sid, id)
  redis.call('ZREM', p .. 'inv-to:' .. r.toUser, id)
  redis.call('SREM', p .. 'inv-sock:' .. r.fromSocket, id)
  return json
end
`;

const SCRIPTS = {
  // ARGV: prefix, now, json (record without the checks), maxInvitations, maxPerInvitee, backstopMs
  parleyInviteCreate: `${REMOVE}
local p, now = ARGV[1], tonumber(ARGV[2])
local r = cjson.decode(ARGV[3])
for _, id in ipairs(redis.call('SMEMBERS', p .. 'inv-sid:' .. r.sid)) do
  local json = redis.call('GET', p .. 'inv:' .. id)
  if json then
    local other = cjson.decode(json)
    if other.state == 'pending' and other.expiresAt > now then return {'INVITE_PENDING'} end
  end
end
if redis.call('ZCOUNT', p .. 'inv-exp', '(' .. now, '+inf') >= tonumber(ARGV[4]) then return {'RATE_LIMITED'} end
if redis.call('ZCOUNT', p .. 'inv-to:' .. r.toUser, '(' .. now, '+inf') >= tonumber(ARGV[5]) then return {'RATE_LIMITED'} end
redis.call('SET', p .. 'inv:' .. r.inviteId, ARGV[3], 'PX', r.expiresAt - now + tonumber(ARGV[6]))
redis.call('ZADD', p .. 'inv-exp', r.expiresAt, r.inviteId)
redis.call('SADD', p .. 'inv-sid:' .. r.sid, r.inviteId)
redis.call('ZADD', p .. 'inv-to:' .. r.toUser, r.expiresAt, r.inviteId)
redis.call('SADD', p .. 'inv-sock:' .. r.fromSocket, r.inviteId)
return {'OK'}
`,
  // ARGV: prefix, now, id, username, accept (1/0), socketId, acceptedTtlMs, backstopMs, name
  parleyInviteAnswer: `${REMOVE}
local p, now, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local json = redis.call('GET', p .. 'inv:' .. id)
if not json then return {'REQUEST_GONE'} end
local r = cjson.decode(json)
if r.toUser ~= ARGV[4] or r.state ~= 'pending' or r.expiresAt <= now then return {'REQUEST_GONE'} end
if ARGV[5] ~= '1' then
  remove(p, id)
  return {'OK', json}
end
r.state = 'accepted'
r.toSocket = ARGV[6]
r.toName = ARGV[9]
r.expiresAt = now + tonumber(ARGV[7])
local out = cjson.encode(r)
redis.call('SET', p .. 'inv:' .. id, out, 'PX', tonumber(ARGV[7]) + tonumber(ARGV[8]))
redis.call('ZADD', p .. 'inv-exp', r.expiresAt, id)
redis.call('ZREM', p .. 'inv-to:' .. r.toUser, id)
redis.call('SREM', p .. 'inv-sock:' .. r.fromSocket, id)
return {'OK', out}
`,
  // ARGV: prefix, now, id, sid, fromSocket
  parleyInviteAllow: `
local p, now, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local key = p .. 'inv:' .. id
local json = redis.call('GET', key)
if not json then return {'REQUEST_GONE'} end
local r = cjson.decode(json)
if r.sid ~= ARGV[4] or r.fromSocket ~= ARGV[5] or r.state ~= 'accepted' or not r.transfer or r.expiresAt <= now then return {'REQUEST_GONE'} end
r.handover = true
local out = cjson.encode(r)
redis.call('SET', key, out, 'KEEPTTL')
return {'OK', out}
`,
  // ARGV: prefix, now, id, sid, username
  parleyInviteTake: `${REMOVE}
local p, now, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local json = redis.call('GET', p .. 'inv:' .. id)
if not json then return {'REQUEST_GONE'} end
local r = cjson.decode(json)
if r.sid ~= ARGV[4] or r.toUser ~= ARGV[5] or not r.handover or r.expiresAt <= now then return {'REQUEST_GONE'} end
remove(p, id)
return {'OK', json}
`,
  // ARGV: prefix, now, limit
  parleyInviteSweep: `${REMOVE}
local p = ARGV[1]
local out = {'OK'}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'inv-exp', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local json = remove(p, id)
  if json then table.insert(out, json) end
end
return out
`,
  // ARGV: prefix, set key suffix, pendingOnly (1/0)
  parleyInviteDropSet: `${REMOVE}
local p = ARGV[1]
local out = {'OK'}
for _, id in ipairs(redis.call('SMEMBERS', p .. ARGV[2])) do
  local json = redis.call('GET', p .. 'inv:' .. id)
  if not json then
    redis.call('SREM', p .. ARGV[2], id)
  elseif ARGV[3] ~= '1' or cjson.decode(json).state == 'pending' then
    remove(p, id)
    table.insert(out, json)
  end
end
return out
`,
} as const;

type ScriptName = keyof typeof SCRIPTS;
const SWEEP_LIMIT = 1000;
/** Error replies meaning Redis cannot take writes now (as in redis-rooms.ts). */
const UNAVAILABLE_REPLY = /^(READONLY|OOM|BUSY|MISCONF|MASTERDOWN|LOADING|NOREPLICAS|TRYAGAIN|CLUSTERDOWN)\b/;

export interface RedisInvitationOptions extends InvitationOptions {
  redis: Redis;
  prefix?: string;
}

export class RedisInvitations implements Invitations {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #options: Required<Omit<InvitationOptions, 'randomBytes' | 'now'>>;
  readonly #now: () => number;
  readonly #random: (n: number) => Uint8Array;

  constructor(options: RedisInvitationOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix ?? 'parley:';
    const { redis: _r, prefix: _p, now, randomBytes: random, ...limits } = options;
    this.#options = { ...DEFAULT_INVITATION_OPTIONS, ...limits };
    this.#now = now ?? Date.now;
    this.#random = random ?? randomBytes;
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (!(name in this.#redis)) this.#redis.defineCommand(name, { numberOfKeys: 0, lua });
    }
  }

  async create(input: NewInvitation): Promise<Result<{ invitation: InvitationRecord }>> {
    const now = this.#now();
    const invitation = newInvitationRecord(input, newInviteId(this.#random), now + this.#options.pendingTtlMs);
    const [status] = await this.#run('parleyInviteCreate', this.#prefix, now, JSON.stringify(invitation), this.#options.maxInvitations, this.#options.maxPerInvitee, BACKSTOP_MS);
    return status === 'OK' ? { ok: true, invitation } : failure(status);
  }

  async pendingFor(username: string): Promise<Invitation[]> {
    const ids = await this.#call(() => this.#redis.zrangebyscore(`${this.#prefix}inv-to:${username}`, `(${this.#now()}`, '+inf'));
    if (ids.length === 0) return [];
    const jsons = await this.#call(() => this.#redis.mget(ids.map((id) => `${this.#prefix}inv:${id}`)));
    return jsons.flatMap((json) => (json ? [JSON.parse(json) as InvitationRecord] : [])).filter((r) => r.state === 'pending').map(toInvitation);
  }

  async answer(inviteId: string, username: string, accept: boolean, socketId: string, name: string): Promise<Result<{ invitation: InvitationRecord }>> {
    const [status, json] = await this.#run('parleyInviteAnswer', this.#prefix, this.#now(), inviteId, username, accept ? 1 : 0, socketId, this.#options.acceptedTtlMs, BACKSTOP_MS, name);
    return status === 'OK' && json ? { ok: true, invitation: JSON.parse(json) as InvitationRecord } : failure(status);
  }

  async allowHandover(inviteId: string, sid: string, fromSocket: string): Promise<Result<{ invitation: InvitationRecord }>> {
    const [status, json] = await this.#run('parleyInviteAllow', this.#prefix, this.#now(), inviteId, sid, fromSocket);
    return status === 'OK' && json ? { ok: true, invitation: JSON.parse(json) as InvitationRecord } : failure(status);
  }

  async takeForHandover(inviteId: string, sid: string, username: string): Promise<Result<{ invitation: InvitationRecord }>> {
    const [status, json] = await this.#run('parleyInviteTake', this.#prefix, this.#now(), inviteId, sid, username);
    return status === 'OK' && json ? { ok: true, invitation: JSON.parse(json) as InvitationRecord } : failure(status);
  }

  async sweep(): Promise<InvitationRecord[]> {
    return parseAll(await this.#run('parleyInviteSweep', this.#prefix, this.#now(), SWEEP_LIMIT));
  }

  async dropSession(sid: string): Promise<InvitationRecord[]> {
    return parseAll(await this.#run('parleyInviteDropSet', this.#prefix, `inv-sid:${sid}`, 0));
  }

  async dropSocket(socketId: string): Promise<InvitationRecord[]> {
    return parseAll(await this.#run('parleyInviteDropSet', this.#prefix, `inv-sock:${socketId}`, 1));
  }

  async #run(name: ScriptName, ...args: (string | number)[]): Promise<string[]> {
    const command = (this.#redis as unknown as Record<ScriptName, (...a: (string | number)[]) => Promise<string[]>>)[name];
    return this.#call(() => command.apply(this.#redis, args));
  }

  /** A Redis call; whatever keeps Redis from answering becomes StoreUnavailableError (as in redis-rooms.ts). */
  async #call<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      if (err instanceof ReplyError && !UNAVAILABLE_REPLY.test((err as Error).message)) throw err;
      throw new StoreUnavailableError(err instanceof Error ? err.message : String(err), { cause: err });
    }
  }
}

function failure(status: string | undefined): { ok: false; error: 'REQUEST_GONE' | 'INVITE_PENDING' | 'RATE_LIMITED' } {
  if (status === 'INVITE_PENDING' || status === 'RATE_LIMITED') return { ok: false, error: status };
  if (status === 'REQUEST_GONE') return { ok: false, error: status };
  throw new Error('unexpected invitation script reply');
}

function parseAll(reply: string[]): InvitationRecord[] {
  return reply
    .slice(1)
    .map((json) => JSON.parse(json) as InvitationRecord)
    .sort((a, b) => a.expiresAt - b.expiresAt);
}
