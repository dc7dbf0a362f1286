/**
 * The room logic of `rooms.ts`, as Redis Lua scripts for several signaling nodes sharing one Redis.
 * Each operation is one script, so it is atomic across nodes (no locks, no WATCH retries). Every
 * script is {@link PRELUDE} (shared helpers) followed by its own body; times come from the
 * calling node (`NOW`), so expiry is decided by the same clock rules as the in-memory rooms and a
 * fake clock works in tests.
 *
 * Keys (prefix `P`, default `parley:`), all built inside the scripts: a single Redis (or a primary
 * with replicas), not Redis Cluster.
 * ```
 *   P room:<sid>     hash  id np paired exp proof rs rn ra cs cn ca
 *                          (r = rep, c = customer; s = socket id, n = node id, a = away-until ms)
 *   P np:<nameplate> sid of the live room holding it
 *   P nps:<digits>   zset  nameplates in use: live ones score +inf, tombstones their end
 *   P tombs          zset  nameplate tombstones by end (for the cap: oldest first)
 *   P tombr          hash  nameplate -> reason the room closed
 *   P closed         zset  sids of closed rooms by end;  P closedr  hash sid -> reason
 *   P live           set   sids of live rooms;  P waiting  zset sid by code expiry
 *   P away           zset  "sid|role" by away-until
 *   P node:<id>      set   "sid|role|socket" of members connected to that node
 *   P nodes          zset  node id by its last heartbeat
 * ```
 * Deadlines (code expiry, away windows, tombstones, node heartbeats) are zset scores enforced by
 * the sweeps, so they follow the nodes' clock; per-room keys also carry a 24-hour Redis TTL,
 * renewed at every change, as a backstop should every node stop for good.
 * Scripts return `{status, values, effects, closures}`: status `OK` or an error code, closures
 * the reasons of the rooms the script closed, effects a flat list
 * of (socket id, `<sid>|<event>`) pairs for the caller to deliver, the event being `peer-joined`,
 * `peer-left`, `peer-away`, `peer-back` or `room-closed:<reason>`.
 */

const PRELUDE = /* lua */ `
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
local effects = {}
local closures = {} -- reasons of the rooms this script closed, for the node's logs and metrics

local function rk(sid) return P .. 'room:' .. sid end
local function other(role) if role == 'rep' then return 'customer' end return 'rep' end
local function f(role, name) if role == 'rep' then return 'r' .. name end return 'c' .. name end
local function emit(sid, sock, event)
  if sock and sock ~= '' then
    effects[#effects + 1] = sock
    effects[#effects + 1] = sid .. '|' .. event
  end
end
-- Backstop TTL of every per-room key, renewed at each change: the sweeps end rooms on time; this
-- only clears what a deployment whose every node stopped for good would leave behind. Seven days:
-- far longer than any support session (relays do not renew it).
local BACKSTOP_MS = 7 * 86400000
local function nodeKey(node) return P .. 'node:' .. node end
local function track(sid, role, sock, node)
  if sock ~= '' and node ~= '' then
    redis.call('SADD', nodeKey(node), sid .. '|' .. role .. '|' .. sock)
    redis.call('PEXPIRE', nodeKey(node), BACKSTOP_MS)
    -- A heartbeat too: a node that dies before its first sweep is still found and taken over.
    redis.call('ZADD', P .. 'nodes', NOW, node)
  end
end
-- Renews the backstop TTL of a room and of its nameplate key.
local function touch(sid)
  redis.call('PEXPIRE', rk(sid), BACKSTOP_MS)
  local np = redis.call('HGET', rk(sid), 'np')
  if np and np ~= '' then redis.call('PEXPIRE', P .. 'np:' .. np, BACKSTOP_MS) end
end
local function untrack(sid, role, sock, node)
  if sock and node and sock ~= '' and node ~= '' then redis.call('SREM', nodeKey(node), sid .. '|' .. role .. '|' .. sock) end
end
local function split(text)
  local parts = {}
  for part in string.gmatch(text, '[^|]+') do parts[#parts + 1] = part end
  return parts
end

-- A reason kept for a closed nameplate or sid, while it lives.
local function tombstone(zkey, hkey, member)
  local ends = redis.call('ZSCORE', zkey, member)
  if ends and tonumber(ends) > NOW then return redis.call('HGET', hkey, member) end
  return false
end

-- Keeps at most 'max' entries of a tombstone zset (+ its reason hash); the oldest go first.
local function cap(zkey, hkey, max, onDrop)
  while redis.call('ZCARD', zkey) > max do
    local popped = redis.call('ZPOPMIN', zkey)
    redis.call('HDEL', hkey, popped[1])
    if onDrop then onDrop(popped[1]) end
  end
end

local function dropNameplateTomb(np)
  redis.call('ZREM', P .. 'nps:' .. #np, np)
  redis.call('HDEL', P .. 'tombr', np)
end

-- Removes a live room and leaves tombstones with 'reason' (ttl 0 or max 0: none). Notifies nobody.
local function close(sid, reason, ttl, max)
  closures[#closures + 1] = reason
  local key = rk(sid)
  local r = redis.call('HMGET', key, 'np', 'rs', 'rn', 'cs', 'cn')
  untrack(sid, 'rep', r[2], r[3])
  untrack(sid, 'customer', r[4], r[5])
  redis.call('DEL', key)
  redis.call('ZREM', P .. 'waiting', sid)
  redis.call('ZREM', P .. 'away', sid .. '|rep', sid .. '|customer')
  redis.call('SREM', P .. 'live', sid .. '|' .. (r[1] or ''))
  local keep = ttl > 0 and max > 0
  if keep then
    redis.call('ZADD', P .. 'closed', NOW + ttl, sid)
    redis.call('HSET', P .. 'closedr', sid, reason)
    cap(P .. 'closed', P .. 'closedr', max, nil)
  end
  local np = r[1]
  if np and np ~= '' then
    redis.call('DEL', P .. 'np:' .. np)
    if keep then
      redis.call('ZADD', P .. 'nps:' .. #np, NOW + ttl, np)
      redis.call('ZADD', P .. 'tombs', NOW + ttl, np)
      redis.call('HSET', P .. 'tombr', np, reason)
      cap(P .. 'tombs', P .. 'tombr', max, function(old) redis.call('ZREM', P .. 'nps:' .. #old, old) end)
    else
      redis.call('ZREM', P .. 'nps:' .. #np, np)
    end
  end
end

-- The member of 'role' is gone for good (left, disconnected unclaimed, or away too long).
local function leave(sid, role, ttl, max)
  local key = rk(sid)
  if role == 'rep' then
    local cs = redis.call('HGET', key, 'cs')
    close(sid, 'PEER_GONE', ttl, max)
    emit(sid, cs, 'peer-left')
    emit(sid, cs, 'room-closed:PEER_GONE')
  else
    local r = redis.call('HMGET', key, 'cs', 'cn', 'rs')
    untrack(sid, 'customer', r[1], r[2])
    redis.call('HSET', key, 'cs', '', 'cn', '', 'ca', '')
    redis.call('ZREM', P .. 'away', sid .. '|customer')
    emit(sid, r[3], 'peer-left')
  end
end

-- The member of 'role' is away: its socket is dropped, its slot kept until 'untilMs'.
local function setAway(sid, role, untilMs, notify)
  local key = rk(sid)
  local r = redis.call('HMGET', key, f(role, 's'), f(role, 'n'), f(other(role), 's'))
  untrack(sid, role, r[1], r[2])
  redis.call('HSET', key, f(role, 's'), '', f(role, 'n'), '', f(role, 'a'), untilMs)
  redis.call('ZADD', P .. 'away', untilMs, sid .. '|' .. role)
  touch(sid)
  if notify then emit(sid, r[3], 'peer-away') end
end

-- The socket of a member is gone (disconnected, or its node died): away in a claimed room, else left.
local function memberGone(sid, role, sock, window, ttl, max)
  local r = redis.call('HMGET', rk(sid), f(role, 's'), 'proof')
  if r[1] ~= sock then return end -- not (or no longer) this socket's slot
  if r[2] ~= '' and window > 0 then setAway(sid, role, NOW + window, true)
  else leave(sid, role, ttl, max) end
end

-- Handles up to 'limit' members of a node that is gone as disconnected; forgets the node once
-- none is left. Answers how many were handled.
local function takeOver(gone, limit, window, ttl, max)
  local entries = redis.call('SPOP', nodeKey(gone), limit)
  for _, entry in ipairs(entries) do
    local parts = split(entry)
    memberGone(parts[1], parts[2], parts[3], window, ttl, max)
  end
  if redis.call('SCARD', nodeKey(gone)) == 0 then redis.call('ZREM', P .. 'nodes', gone) end
  return #entries
end

-- The role of 'sock' in room 'sid', or nil.
local function roleOf(sid, sock)
  local r = redis.call('HMGET', rk(sid), 'rs', 'cs')
  if r[1] == sock then return 'rep' end
  if r[2] == sock then return 'customer' end
  return nil
end
`;

/** ARGV: P NOW sid sock node codeTtl maxRooms k c1..ck (k candidates per length, lengths 3..6) → {OK, {nameplate, id}} */
const CREATE = /* lua */ `
local sid, sock, node = ARGV[3], ARGV[4], ARGV[5]
local codeTtl, maxRooms, k = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
-- The same request run again (a resent command): the room it made.
local made = redis.call('HMGET', rk(sid), 'rs', 'np', 'id')
if made[1] == sock then return {'OK', {made[2], made[3]}, effects, closures} end
if redis.call('SCARD', P .. 'live') >= maxRooms then return {'SERVER_FULL', {}, effects, closures} end
local chosen = nil
for d = 3, 6 do
  local zk = P .. 'nps:' .. d
  -- Lengths stay at most half used, so a few random candidates almost always find a free one.
  if (redis.call('ZCOUNT', zk, '(' .. NOW, '+inf') + 1) * 2 <= 9 * 10 ^ (d - 1) then
    for i = 1, k do
      local candidate = ARGV[8 + (d - 3) * k + i]
      local ends = redis.call('ZSCORE', zk, candidate)
      if not ends or tonumber(ends) <= NOW then chosen = candidate break end
    end
  end
  if chosen then break end
end
if not chosen then return {'SERVER_FULL', {}, effects, closures} end
local stale = redis.call('HGET', P .. 'tombr', chosen)
if stale then dropNameplateTomb(chosen) redis.call('ZREM', P .. 'tombs', chosen) end
local id = redis.call('INCR', P .. 'roomid')
redis.call('ZADD', P .. 'nps:' .. #chosen, '+inf', chosen)
redis.call('SET', P .. 'np:' .. chosen, sid)
redis.call('HSET', rk(sid), 'id', id, 'np', chosen, 'paired', '0', 'exp', NOW + codeTtl, 'proof', '',
  'rs', sock, 'rn', node, 'ra', '', 'cs', '', 'cn', '', 'ca', '')
redis.call('ZADD', P .. 'waiting', NOW + codeTtl, sid)
redis.call('SADD', P .. 'live', sid .. '|' .. chosen)
track(sid, 'rep', sock, node)
touch(sid)
return {'OK', {chosen, id}, effects, closures}
`;

/** ARGV: P NOW nameplate sock node ttl max atLimit → {OK, {sid, id}} */
const JOIN = /* lua */ `
local np, sock, node, ttl, max, atLimit = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8] == '1'
local sid = redis.call('GET', P .. 'np:' .. np)
if not sid then
  return {tombstone(P .. 'nps:' .. #np, P .. 'tombr', np) or 'ROOM_NOT_FOUND', {}, effects, closures}
end
local r = redis.call('HMGET', rk(sid), 'paired', 'rs', 'exp', 'id', 'cs')
if not r[1] then return {'ROOM_NOT_FOUND', {}, effects, closures} end
if r[5] == sock then return {'OK', {sid, r[4]}, effects, closures} end -- the same join run again
if r[1] ~= '1' and tonumber(r[3]) <= NOW then -- past its TTL, not swept yet
  close(sid, 'CODE_EXPIRED', ttl, max)
  emit(sid, r[2], 'room-closed:CODE_EXPIRED')
  return {'CODE_EXPIRED', {}, effects, closures}
end
if r[1] == '1' or r[2] == sock then return {'ROOM_CROWDED', {}, effects, closures} end
if atLimit then return {'RATE_LIMITED', {}, effects, closures} end
redis.call('HSET', rk(sid), 'paired', '1', 'cs', sock, 'cn', node)
redis.call('ZREM', P .. 'waiting', sid)
track(sid, 'customer', sock, node)
touch(sid)
emit(sid, r[2], 'peer-joined')
return {'OK', {sid, r[4]}, effects, closures}
`;

/** ARGV: P NOW sid sock → {OK, {otherSocket, otherNode}} (NOT_IN_ROOM when not a member or no peer) */
const PEER = /* lua */ `
local sid, sock = ARGV[3], ARGV[4]
local role = roleOf(sid, sock)
if not role then return {'NOT_IN_ROOM', {}, effects, closures} end
local r = redis.call('HMGET', rk(sid), f(other(role), 's'), f(other(role), 'n'))
if not r[1] or r[1] == '' then return {'NOT_IN_ROOM', {role}, effects, closures} end
return {'OK', {r[1], r[2], role}, effects, closures}
`;

/** ARGV: P NOW sid sock ttl max → {OK, {id}} */
const BAD_KEY = /* lua */ `
local sid, sock, ttl, max = ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
if not roleOf(sid, sock) then return {'NOT_IN_ROOM', {}, effects, closures} end
local r = redis.call('HMGET', rk(sid), 'rs', 'cs', 'id')
close(sid, 'ROOM_BURNED', ttl, max)
emit(sid, r[1], 'room-closed:ROOM_BURNED')
emit(sid, r[2], 'room-closed:ROOM_BURNED')
return {'OK', {r[3]}, effects, closures}
`;

/** ARGV: P NOW sid sock ttl max → {OK, {id}} */
const LEAVE = /* lua */ `
local sid, sock, ttl, max = ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local role = roleOf(sid, sock)
if not role then return {'NOT_IN_ROOM', {}, effects, closures} end
local id = redis.call('HGET', rk(sid), 'id')
leave(sid, role, ttl, max)
return {'OK', {id}, effects, closures}
`;

/** ARGV: P NOW sid sock proofHash → {OK, {id, 'new'|'same'}} */
const CLAIM = /* lua */ `
local sid, sock, hash = ARGV[3], ARGV[4], ARGV[5]
local role = roleOf(sid, sock)
if not role then return {'NOT_IN_ROOM', {}, effects, closures} end
local r = redis.call('HMGET', rk(sid), 'paired', 'proof', 'id')
if r[1] ~= '1' then return {'NOT_IN_ROOM', {}, effects, closures} end
-- Compares SHA-256 hashes of the 32-byte proofs, never the proofs: timing says nothing useful.
if r[2] == '' then
  redis.call('HSET', rk(sid), 'proof', hash)
  touch(sid)
  return {'OK', {r[3], 'new'}, effects, closures}
end
if r[2] ~= hash then return {'RESUME_REFUSED', {r[3]}, effects, closures} end
return {'OK', {r[3], 'same'}, effects, closures}
`;

/**
 * ARGV: P NOW sid role sock node proofHash window ttl max maxRooms atLimit
 * → {OK, {peerPresent 0|1, peerLeft 0|1, id, how ('back'|'same'|'restored'), oldSocket, oldNode}}
 */
const RESUME = /* lua */ `
local sid, role, sock, node, hash = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local window, ttl, max, maxRooms = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local atLimit = ARGV[12] == '1'
local key = rk(sid)
local o = other(role)
-- Away places past their window go first, as a sweep would have done (the customer's first: if
-- the rep's is due too, the room then closes with the right reason either way).
for _, due in ipairs({'customer', 'rep'}) do
  local untilMs = redis.call('HGET', key, f(due, 'a'))
  if untilMs and untilMs ~= '' and tonumber(untilMs) <= NOW then
    redis.call('HSET', key, f(due, 'a'), '')
    leave(sid, due, ttl, max)
  end
end
if redis.call('EXISTS', key) == 0 then
  local reason = tombstone(P .. 'closed', P .. 'closedr', sid)
  if reason then return {reason, {}, effects, closures} end
  if atLimit then return {'RATE_LIMITED', {}, effects, closures} end
  if redis.call('SCARD', P .. 'live') >= maxRooms then return {'SERVER_FULL', {}, effects, closures} end
  -- Unknown sid (its state was lost): restored with the resumer, the other slot away.
  local id = redis.call('INCR', P .. 'roomid')
  redis.call('HSET', key, 'id', id, 'np', '', 'paired', '1', 'exp', NOW, 'proof', hash,
    f(role, 's'), sock, f(role, 'n'), node, f(role, 'a'), '', f(o, 's'), '', f(o, 'n'), '', f(o, 'a'), NOW + window)
  redis.call('ZADD', P .. 'away', NOW + window, sid .. '|' .. o)
  redis.call('SADD', P .. 'live', sid .. '|')
  track(sid, role, sock, node)
  touch(sid)
  return {'OK', {0, 0, id, 'restored', '', ''}, effects, closures}
end
local r = redis.call('HMGET', key, 'proof', f(role, 's'), f(role, 'n'), f(role, 'a'), f(o, 's'), f(o, 'a'), 'id')
local proof, mySock, myNode, myAway, otherSock, otherAway, id = r[1], r[2], r[3], r[4], r[5], r[6], r[7]
if proof == '' or proof ~= hash then return {'RESUME_REFUSED', {id}, effects, closures} end
if otherSock == sock then return {'RESUME_REFUSED', {id}, effects, closures} end -- one socket, both roles
local otherPresent = otherSock ~= '' and 1 or 0
local otherLeft = (otherSock == '' and otherAway == '') and 1 or 0
if mySock == sock then return {'OK', {otherPresent, otherLeft, id, 'same', '', ''}, effects, closures} end
if mySock == '' and myAway == '' then return {'PEER_GONE', {id}, effects, closures} end
if atLimit then return {'RATE_LIMITED', {id}, effects, closures} end
-- The old socket (away, or not noticed gone yet) loses the slot without being told.
untrack(sid, role, mySock, myNode)
redis.call('ZREM', P .. 'away', sid .. '|' .. role)
redis.call('HSET', key, f(role, 's'), sock, f(role, 'n'), node, f(role, 'a'), '')
track(sid, role, sock, node)
touch(sid)
emit(sid, otherSock, 'peer-back')
return {'OK', {otherPresent, otherLeft, id, 'back', mySock, myNode}, effects, closures}
`;

/** ARGV: P NOW sock window ttl max sid1 role1 sid2 role2 … → {OK, {}} (a socket on this node is gone) */
const DISCONNECT = /* lua */ `
local sock, window, ttl, max = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
for i = 7, #ARGV, 2 do memberGone(ARGV[i], ARGV[i + 1], sock, window, ttl, max) end
return {'OK', {}, effects, closures}
`;

/**
 * ARGV: P NOW ttl max limit node deadAfter window → {OK, {expired, awayGone, deadNodes, wasTakenOver}}
 * Expires unjoined rooms and away slots, forgets old tombstones, renews this node's heartbeat and
 * takes over the members of one node that stopped beating (as if each socket disconnected).
 */
const SWEEP = /* lua */ `
local ttl, max, limit, node = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local deadAfter, window = tonumber(ARGV[7]), tonumber(ARGV[8])
-- No sweep by any node for a while: Redis was unreachable (or every node stopped), so nobody
-- could renew a heartbeat. Everyone gets a fresh start rather than being taken for dead.
local last = tonumber(redis.call('GET', P .. 'swept') or '0')
redis.call('SET', P .. 'swept', NOW, 'PX', BACKSTOP_MS)
local storeWasOut = last > 0 and NOW - last > deadAfter / 2
if storeWasOut then
  for _, each in ipairs(redis.call('ZRANGE', P .. 'nodes', 0, -1)) do redis.call('ZADD', P .. 'nodes', NOW, each) end
end
-- This node was taken over while it could not reach Redis: its sockets' places are "away" now.
local wasTakenOver = redis.call('DEL', P .. 'takenover:' .. node) == 1
redis.call('ZADD', P .. 'nodes', NOW, node)
local expired = redis.call('ZRANGEBYSCORE', P .. 'waiting', '-inf', NOW, 'LIMIT', 0, limit)
for _, sid in ipairs(expired) do
  if redis.call('EXISTS', rk(sid)) == 1 then
    local rs = redis.call('HGET', rk(sid), 'rs')
    close(sid, 'CODE_EXPIRED', ttl, max)
    emit(sid, rs, 'room-closed:CODE_EXPIRED')
  else
    redis.call('ZREM', P .. 'waiting', sid) -- its keys outlived by the backstop TTL
  end
end
local away = redis.call('ZRANGEBYSCORE', P .. 'away', '-inf', NOW, 'LIMIT', 0, limit)
for _, entry in ipairs(away) do
  redis.call('ZREM', P .. 'away', entry)
  local parts = split(entry)
  local sid, role = parts[1], parts[2]
  local untilMs = redis.call('HGET', rk(sid), f(role, 'a'))
  if untilMs and untilMs ~= '' and tonumber(untilMs) <= NOW then
    redis.call('HSET', rk(sid), f(role, 'a'), '')
    leave(sid, role, ttl, max)
  end
end
for _, zk in ipairs({P .. 'tombs', P .. 'closed'}) do
  local hk = (zk == P .. 'tombs') and (P .. 'tombr') or (P .. 'closedr')
  local old = redis.call('ZRANGEBYSCORE', zk, '-inf', NOW, 'LIMIT', 0, limit)
  for _, member in ipairs(old) do
    redis.call('ZREM', zk, member)
    redis.call('HDEL', hk, member)
    if zk == P .. 'tombs' then redis.call('ZREM', P .. 'nps:' .. #member, member) end
  end
end
-- Index entries of rooms the backstop TTL removed (see touch): a few random ones checked each time.
for _, entry in ipairs(redis.call('SRANDMEMBER', P .. 'live', 20)) do
  local bar = string.find(entry, '|', 1, true)
  local sid, np = string.sub(entry, 1, bar - 1), string.sub(entry, bar + 1)
  if redis.call('EXISTS', rk(sid)) == 0 then
    redis.call('SREM', P .. 'live', entry)
    redis.call('ZREM', P .. 'waiting', sid)
    redis.call('ZREM', P .. 'away', sid .. '|rep', sid .. '|customer')
    -- Its nameplate, unless a newer room holds it now.
    if np ~= '' and not redis.call('GET', P .. 'np:' .. np) then
      local ends = redis.call('ZSCORE', P .. 'nps:' .. #np, np)
      if ends and tonumber(ends) == math.huge then redis.call('ZREM', P .. 'nps:' .. #np, np) end
    end
  end
end
-- One silent node per sweep, 'limit' members at a time (the next sweeps take the rest).
local dead = {}
if not storeWasOut then dead = redis.call('ZRANGEBYSCORE', P .. 'nodes', '-inf', NOW - deadAfter, 'LIMIT', 0, 1) end
for _, gone in ipairs(dead) do
  redis.call('SET', P .. 'takenover:' .. gone, '1', 'PX', BACKSTOP_MS)
  takeOver(gone, limit, window, ttl, max)
end
return {'OK', {#expired, #away, #dead, wasTakenOver and 1 or 0}, effects, closures}
`;

/**
 * ARGV: P NOW node limit window ttl max → {OK, {left}}: a node that stops on purpose hands over
 * its remaining members (as disconnected) and leaves the heartbeat list once none is left.
 */
const NODE_DOWN = /* lua */ `
local node, limit = ARGV[3], tonumber(ARGV[4])
local window, ttl, max = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
takeOver(node, limit, window, ttl, max)
return {'OK', {redis.call('SCARD', nodeKey(node))}, effects, closures}
`;

/** ARGV: P NOW → {OK, {live, waiting, away, tombstones, closedSids}} */
const STATS = /* lua */ `
return {'OK', {
  redis.call('SCARD', P .. 'live'),
  redis.call('ZCARD', P .. 'waiting'),
  redis.call('ZCARD', P .. 'away'),
  redis.call('ZCOUNT', P .. 'tombs', '(' .. NOW, '+inf'),
  redis.call('ZCOUNT', P .. 'closed', '(' .. NOW, '+inf'),
  redis.call('ZCOUNT', P .. 'nps:3', '-inf', '+inf'),
  redis.call('ZCOUNT', P .. 'nps:4', '-inf', '+inf'),
  redis.call('ZCOUNT', P .. 'nps:5', '-inf', '+inf'),
  redis.call('ZCOUNT', P .. 'nps:6', '-inf', '+inf'),
}, effects, closures}
`;

const withPrelude = (body: string) => `${PRELUDE}\n${body}`;

/** The scripts by name (each: prelude + body). */
export const ROOM_SCRIPTS = {
  parleyCreate: withPrelude(CREATE),
  parleyJoin: withPrelude(JOIN),
  parleyPeer: withPrelude(PEER),
  parleyBadKey: withPrelude(BAD_KEY),
  parleyLeave: withPrelude(LEAVE),
  parleyClaim: withPrelude(CLAIM),
  parleyResume: withPrelude(RESUME),
  parleyDisconnect: withPrelude(DISCONNECT),
  parleySweep: withPrelude(SWEEP),
  parleyNodeDown: withPrelude(NODE_DOWN),
  parleyStats: withPrelude(STATS),
} as const;

export type RoomScriptName = keyof typeof ROOM_SCRIPTS;
