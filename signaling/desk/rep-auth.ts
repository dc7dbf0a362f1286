/**
 * Who a request or a socket is: the rep of its `parley_rep` cookie. socket.io sockets are
 * identified at the handshake (the browser sends the cookie with it, same origin) and again on
 * each rep-only event, so a session ended meanwhile is noticed.
 */
import type { IncomingMessage } from 'node:http';
import type { DeskConfig, RepRole } from '../../protocol/desk-config.ts';

export interface RepIdentity {
  username: string;
  displayName: string;
  role: RepRole;
  /** Queue ids the rep serves (in open mode: every queue). */
  queues: string[];
}

export const REP_COOKIE = 'parley_rep';

/** The value of cookie `name` in a `Cookie` header, or undefined. */
export function readCookie(header: string | string[] | undefined, name: string = REP_COOKIE): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** What a socket carries once identified (`socket.data`). */
export interface RepSocketData {
  /** The signed-in rep; undefined in open mode or without a session. */
  rep?: RepIdentity;
  /** The session id (hash of the cookie token), to reach this socket when that session ends. */
  repSession?: string;
}

/** Resolves the rep of a handshake (`socket.request`). */
export function handshakeToken(request: Pick<IncomingMessage, 'headers'>): string | undefined {
  return readCookie(request.headers.cookie);
}

/** socket.io room of every socket of one sign-in session, and of one rep. */
export const sessionRoom = (id: string) => `rep-session:${id}`;
export const repRoom = (username: string) => `rep:${username.toLowerCase()}`;

/**
 * Open mode has no accounts: each console socket stands for a rep of its own, serving every
 * queue, under the name it gives (`desk-hello`). Its username (`open:<socket id>`) never
 * collides with an account's (no `:` in USERNAME_RE).
 */
export function openModeIdentity(socketId: string, displayName: string, config: DeskConfig): RepIdentity {
  return { username: `open:${socketId}`, displayName, role: 'rep', queues: config.queues.map((q) => q.id) };
}
