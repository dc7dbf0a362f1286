/**
 * Random and mutated socket.io messages for the server fuzz run (server-fuzz.ts). Seeded, so a
 * failing run can be replayed with the same seed.
 *
 * A message is either an `emit` through socket.io-client (it encodes it, binary attachments
 * included) or a `raw` socket.io packet string written straight to the engine.io transport,
 * which reaches places `emit` refuses to go: reserved event names, malformed packets, stray
 * acks, other namespaces.
 */
import { RelayKind, encodeRelay } from '../../protocol/envelope.ts';

export type FuzzMessage =
  | { kind: 'emit'; event: string; args: unknown[]; ack: boolean }
  | { kind: 'raw'; packet: string };

/** What the fuzzer has learned from the server so far (valid nameplates and sids to reuse). */
export interface FuzzMemory {
  nameplates: string[];
  sids: string[];
  /** Room proofs sent before, so that claims and resumes sometimes match. */
  proofs: string[];
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const EVENTS = ['create-room', 'join-room', 'relay', 'bad-key', 'leave-room', 'claim-room', 'resume-room', 'turn-credentials'];
const RESERVED = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener', 'error', 'message', '__proto__', 'constructor', 'hasOwnProperty', 'toString', ''];
const TRICKY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'data', 'sid', 'nameplate', 'ok', 'type'];

/** mulberry32: small, fast, seedable. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

function randomString(rng: Rng, max = 40): string {
  const n = rng.int(max + 1);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.6) s += String.fromCharCode(32 + rng.int(95));
    else if (r < 0.8) s += B64URL[rng.int(64)];
    else if (r < 0.9) s += String.fromCharCode(rng.int(0x10000)); // lone surrogates included
    else s += rng.pick(['"', '\\', '\u0000', '\n', '[', ']', '{', '}', ',', '😀']);
  }
  return s;
}

function base64url(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += B64URL[rng.int(64)];
  return s;
}

/** Any JSON-ish value (plus binary), a few levels deep. */
export function randomValue(rng: Rng, depth = 0): unknown {
  const r = rng.int(depth > 3 ? 6 : 9);
  switch (r) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick([0, -1, 1.5, 2 ** 53, -(2 ** 31), Number.MAX_VALUE, 1e-300, rng.int(1000)]);
    case 3: return randomString(rng);
    case 4: return rng.chance(0.5) ? rng.bytes(rng.int(64)) : undefined;
    case 5: return base64url(rng, rng.int(100));
    case 6: return Array.from({ length: rng.int(5) }, () => randomValue(rng, depth + 1));
    default: {
      const obj: Record<string, unknown> = {};
      // defineProperty: an own "__proto__" key (as JSON.parse makes one), not a new prototype.
      for (let i = rng.int(5); i > 0; i--) {
        const key = rng.chance(0.5) ? rng.pick(TRICKY_KEYS) : randomString(rng, 10);
        Object.defineProperty(obj, key, { value: randomValue(rng, depth + 1), enumerable: true, configurable: true, writable: true });
      }
      return obj;
    }
  }
}

/** `[[[[…]]]]` or `{"a":{"a":…}}`, `depth` levels: tests recursion in parsers and validators. */
function deeplyNested(rng: Rng, depth: number): unknown {
  let value: unknown = rng.chance(0.5) ? base64url(rng, 44) : rng.bytes(4);
  const arrays = rng.chance(0.5);
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { data: value, sid: "x" }; // a tree, never a DAG (whose JSON would explode)
  return value;
}

function sid(rng: Rng, memory: FuzzMemory): string | undefined {
  const r = rng.next();
  if (r < 0.4) return undefined;
  if (r < 0.7 && memory.sids.length > 0) return rng.pick(memory.sids);
  return rng.chance(0.7) ? base64url(rng, 43) : randomString(rng, 50);
}

/** A room proof: mostly one used before (so claims and resumes meet), sometimes malformed. */
function proof(rng: Rng, memory: FuzzMemory): unknown {
  if (rng.chance(0.1)) return randomValue(rng);
  if (memory.proofs.length > 0 && rng.chance(0.6)) return rng.pick(memory.proofs);
  const fresh = base64url(rng, 42) + rng.pick(['A', 'Q', 'g', 'w']); // canonical 32 bytes
  if (memory.proofs.length < 8) memory.proofs.push(fresh);
  return fresh;
}

function nameplate(rng: Rng, memory: FuzzMemory): unknown {
  const r = rng.next();
  if (r < 0.5 && memory.nameplates.length > 0) return rng.pick(memory.nameplates);
  if (r < 0.8) return String(100 + rng.int(999_900));
  return randomValue(rng);
}

/** A relay body that looks like a real envelope (right kind and length) or nearly. */
function relayData(rng: Rng): string {
  const r = rng.next();
  if (r < 0.25) return encodeRelay(RelayKind.Pake, rng.bytes(32));
  if (r < 0.4) return encodeRelay(RelayKind.Confirm, rng.bytes(64));
  if (r < 0.6) return encodeRelay(RelayKind.Signal, rng.bytes(24 + rng.int(400)));
  if (r < 0.8) return base64url(rng, 1 + rng.int(200));
  if (r < 0.9) return base64url(rng, 16_380 + rng.int(10)); // around MAX_RELAY_CHARS
  return randomString(rng, 60);
}

/** A message the real client could send, with valid-looking but mostly wrong contents. */
function validLooking(rng: Rng, memory: FuzzMemory): FuzzMessage {
  const event = rng.pick(EVENTS);
  const s = sid(rng, memory);
  switch (event) {
    case 'create-room':
      return { kind: 'emit', event, args: [rng.chance(0.9) ? {} : randomValue(rng)], ack: rng.chance(0.9) };
    case 'join-room':
      return { kind: 'emit', event, args: [{ nameplate: nameplate(rng, memory) }], ack: rng.chance(0.9) };
    case 'relay':
      return { kind: 'emit', event, args: [s === undefined ? { data: relayData(rng) } : { data: relayData(rng), sid: s }], ack: rng.chance(0.1) };
    case 'claim-room':
      return { kind: 'emit', event, args: [{ proof: proof(rng, memory), ...(s === undefined ? {} : { sid: s }) }], ack: rng.chance(0.9) };
    case 'resume-room':
      // An unknown sid restores a room (a server restart): the run must leave none behind.
      return { kind: 'emit', event, args: [{ sid: s ?? base64url(rng, 43), role: rng.pick(['rep', 'customer', 'admin']), proof: proof(rng, memory) }], ack: rng.chance(0.9) };
    case 'turn-credentials':
      return { kind: 'emit', event, args: rng.chance(0.2) ? [] : [s === undefined ? {} : { sid: s }], ack: rng.chance(0.9) };
    default:
      return { kind: 'emit', event, args: rng.chance(0.2) ? [] : [s === undefined ? {} : { sid: s }], ack: rng.chance(0.1) };
  }
}

/** A socket.io packet string for `message`, as socket.io-parser would write it (no binary). */
function packetOf(message: Extract<FuzzMessage, { kind: 'emit' }>, ackId: number): string {
  const json = JSON.stringify([message.event, ...message.args], (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v));
  return `2${message.ack ? ackId : ''}${json}`;
}

/** Inserts, deletes or replaces a few characters. */
function mutate(rng: Rng, text: string): string {
  const chars = [...text];
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const at = rng.int(chars.length + 1);
    const r = rng.next();
    const ch = rng.chance(0.5) ? rng.pick(['"', '[', ']', '{', '}', ',', ':', '-', '0', '9', '\\', ' ']) : randomString(rng, 2);
    if (r < 0.33) chars.splice(at, 0, ch);
    else if (r < 0.66) chars.splice(at, 1);
    else chars[at] = ch;
  }
  return chars.join('');
}

/** Raw packets that the socket.io parser or the namespace logic must survive. */
function oddPacket(rng: Rng): string {
  return rng.pick([
    () => `3${rng.int(1000)}${JSON.stringify([randomValue(rng)])}`, // ack for nothing
    () => `0/nope,${JSON.stringify({ version: 1 })}`, // another namespace
    () => '1', // disconnect from the namespace
    () => `2${JSON.stringify([rng.pick(RESERVED), randomValue(rng)])}`,
    () => `5${rng.int(3)}-${JSON.stringify(['relay', { data: { _placeholder: true, num: rng.int(5) } }])}`, // binary event, no attachment follows
    () => `2["relay",${'{"data":'.repeat(3000)}"AQID"${'}'.repeat(3000)}]`, // built as text: too deep for JSON.stringify here
    () => `${rng.int(10)}${randomString(rng, 80)}`,
    () => `2[${'['.repeat(10_000)}`,
  ])();
}

let ackIds = 1_000_000;

/** One fuzz message. Shares: 35% valid-looking, 25% mutated packets, 40% random or odd. */
export function nextMessage(rng: Rng, memory: FuzzMemory): FuzzMessage {
  const r = rng.next();
  if (r < 0.35) return validLooking(rng, memory);
  if (r < 0.6) {
    const base = validLooking(rng, memory) as Extract<FuzzMessage, { kind: 'emit' }>;
    return { kind: 'raw', packet: mutate(rng, packetOf(base, ackIds++)) };
  }
  if (r < 0.72) return { kind: 'raw', packet: oddPacket(rng) };
  if (r < 0.8) {
    // Wrong types for the known events: numbers, arrays, null, binary, several arguments.
    const args = Array.from({ length: rng.int(4) }, () => randomValue(rng));
    return { kind: 'emit', event: rng.pick(EVENTS), args, ack: rng.chance(0.5) };
  }
  if (r < 0.86) {
    // Deeply nested, or binary where strings belong.
    const payload = rng.chance(0.5) ? deeplyNested(rng, 50 + rng.int(2000)) : { data: rng.bytes(rng.int(4000)), sid: rng.bytes(43) };
    return { kind: 'emit', event: rng.pick(EVENTS), args: [payload], ack: rng.chance(0.5) };
  }
  if (r < 0.9) {
    // Huge: over the relay limit, or over the whole-message limit (the transport drops the socket).
    const size = rng.chance(0.5) ? 16_385 + rng.int(10_000) : 33_000 + rng.int(100_000);
    return { kind: 'emit', event: rng.pick(EVENTS), args: [{ data: base64url(rng, size) }], ack: rng.chance(0.3) };
  }
  // Random event names, unknown to the server.
  return { kind: 'emit', event: randomString(rng, 30) || 'x', args: [randomValue(rng)], ack: rng.chance(0.5) };
}
