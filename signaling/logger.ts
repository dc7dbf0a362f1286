/**
 * The server's JSON logger (pino).
 *
 * Rule: logs carry event names, counts and opaque internal ids (a per-process connection or
 * room number) only. Never session codes, nameplates, sids, room proofs, relayed data, IP addresses or
 * headers. Call sites follow the rule; `redact` below is a second line of defence in case a
 * field with one of those names slips into a log call.
 *
 * Levels: `debug` (and `trace`) for what happens per request or per connection, refusals and rate
 * limits included (`/metrics` counts those: a flood of refusals must not become a flood of log
 * lines); `info` for the server's life (listening, each shutdown step) and rare events worth a
 * line (a burned room, a socket disconnected for flooding); `warn` for a degraded dependency (a
 * failed readiness check); `error`/`fatal` for bugs and a server that cannot start.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

const FORBIDDEN_FIELDS = ['nameplate', 'sid', 'proof', 'data', 'code', 'secret', 'ip', 'address', 'headers', 'auth', 'payload', 'url'];

export function createLogger(level: LogLevel = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'parley-signaling' },
    redact: { paths: [...FORBIDDEN_FIELDS, ...FORBIDDEN_FIELDS.map((field) => `*.${field}`)], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** An error as a log field: its class and message, never its properties (which may hold data). */
export function errorField(err: unknown): { type: string; message: string } {
  if (err instanceof Error) return { type: err.name, message: err.message.slice(0, 200) };
  return { type: typeof err, message: 'non-Error thrown' };
}
