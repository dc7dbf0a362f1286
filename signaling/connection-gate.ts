/**
 * Who may open a socket.io connection: a client speaking our protocol version
 * (VERSION_MISMATCH otherwise, with the server's version so the page can say "reload"), and at
 * most `CONNECTIONS_PER_IP` open at once per client (an IPv6 client: per /64), counted on this
 * node only (RATE_LIMITED otherwise).
 */
import type { Socket } from 'socket.io';
import * as v from 'valibot';
import { ErrorCode } from '../protocol/errors.ts';
import { HandshakeAuthSchema } from '../protocol/signaling.ts';
import { PROTOCOL_VERSION } from '../protocol/version.ts';
import type { Config } from './config.ts';
import { clientIp } from './http.ts';
import type { Logger } from './logger.ts';
import type { ParleyMetrics } from './metrics.ts';
import { rateLimitKey } from './rate-limit.ts';

export function connectionGate(config: Config, metrics: ParleyMetrics, logger: Logger): (socket: Socket, next: (err?: Error) => void) => void {
  /** Open sockets per {@link rateLimitKey}. */
  const openConnections = new Map<string, number>();
  return (socket, next) => {
  const auth = v.safeParse(HandshakeAuthSchema, socket.handshake.auth);
  if (!auth.success || auth.output.version !== PROTOCOL_VERSION) {
    logger.debug({ event: 'version-mismatch' });
    metrics.connectionRefused(ErrorCode.VERSION_MISMATCH);
    const err = new Error(ErrorCode.VERSION_MISMATCH) as Error & { data?: unknown };
    err.data = { code: ErrorCode.VERSION_MISMATCH, serverVersion: PROTOCOL_VERSION };
    next(err);
    return;
  }
  // Concurrent connections per client (an IPv6 client: per /64), counted on this node only.
  const key = rateLimitKey(clientIp(socket, config.trustProxy));
  const open = openConnections.get(key) ?? 0;
  if (open >= config.connectionsPerIp) {
    logger.debug({ event: 'connection-limited' });
    metrics.connectionRefused(ErrorCode.RATE_LIMITED);
    const err = new Error(ErrorCode.RATE_LIMITED) as Error & { data?: unknown };
    err.data = { code: ErrorCode.RATE_LIMITED };
    next(err);
    return;
  }
  openConnections.set(key, open + 1);
  // Released once: when the socket disconnects, or when the connection closes before the
  // socket ever connected (then there is no `disconnect`).
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    socket.conn.off('close', release);
    const left = (openConnections.get(key) ?? 1) - 1;
    if (left > 0) openConnections.set(key, left);
    else openConnections.delete(key);
  };
  socket.once('disconnect', release);
  socket.conn.once('close', release);
  next();
  };
}
