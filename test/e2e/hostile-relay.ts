/**
 * Hostile relays for the e2e tests (`PARLEY_TEST_HOSTILE` in test-server.ts). Each one is the
 * signaling server turned attacker in one specific way; the clients must stop with a visible
 * security error and never show "Connected".
 *
 * - `replay`: after a side's second sealed signal, replays its first one (an old, authentic
 *   sealed payload) to the other side;
 * - `swap`: holds the first PAKE message, and when the other side's arrives, hands each side
 *   its own share back (the two PAKE messages swapped);
 * - `inject`: before a side's first sealed signal, injects a forged one (right kind, right
 *   size, made-up ciphertext) as if the peer had sent it;
 * - `drop-confirm`: drops every key-confirmation message.
 */
import { randomBytes } from 'node:crypto';
import type { ParleyServer } from '../../signaling/server.ts';

export type HostileMode = 'replay' | 'swap' | 'inject' | 'drop-confirm';
export const HOSTILE_MODES: readonly HostileMode[] = ['replay', 'swap', 'inject', 'drop-confirm'];

const KIND_PAKE = 1;
const KIND_CONFIRM = 2;
const KIND_SIGNAL = 3;

/** The relay envelope's kind byte (protocol/envelope.ts). */
function kindOf(data: string): number {
  return Buffer.from(data.slice(0, 4), 'base64url')[0] ?? -1;
}

/** Relays `data` as if `from` had sent it: it reaches the other member of `from`'s room. */
function relayAs(server: ParleyServer, from: string, data: string): void {
  server.rooms.relay({ id: from, emit: () => {} }, data);
}

/** Builds the `transformRelay` hook for a mode. `server` is read lazily (it is created after the hook). */
export function hostileRelay(mode: HostileMode, server: () => ParleyServer): (data: string, from: string) => string | null {
  const signals = new Map<string, string[]>(); // sender → its sealed signals so far
  const heldPake = new Map<string, string>(); // the first PAKE of a pair, by sender
  const injected = new Set<string>();

  return (data, from) => {
    const kind = kindOf(data);
    switch (mode) {
      case 'drop-confirm':
        return kind === KIND_CONFIRM ? null : data;
      case 'replay': {
        if (kind !== KIND_SIGNAL) return data;
        const sent = signals.get(from) ?? [];
        sent.push(data);
        signals.set(from, sent);
        // Delivered after this one: an authentic frame with an old counter.
        if (sent.length === 2) setImmediate(() => relayAs(server(), from, sent[0]!));
        return data;
      }
      case 'inject': {
        if (kind !== KIND_SIGNAL || injected.has(from)) return data;
        injected.add(from);
        const forged = Buffer.concat([Buffer.from([KIND_SIGNAL]), Buffer.alloc(8), randomBytes(16 + 120)]).toString('base64url');
        relayAs(server(), from, forged);
        return data;
      }
      case 'swap': {
        if (kind !== KIND_PAKE) return data;
        const [first] = [...heldPake.entries()].filter(([sender]) => sender !== from);
        if (!first) {
          heldPake.set(from, data);
          return null;
        }
        const [otherId, otherShare] = first;
        heldPake.delete(otherId);
        relayAs(server(), from, otherShare); // the other side gets its own share back
        relayAs(server(), otherId, data); // and so does this one
        return null;
      }
    }
  };
}
