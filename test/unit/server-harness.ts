/**
 * The real signaling server on port 0 and real socket.io-client sockets, for the integration
 * tests (signaling-server.test.ts, signaling-resume.test.ts). Everything started is registered
 * for `cleanup()`, which each test file calls after each test.
 */
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../protocol/signaling.ts';
import { PROTOCOL_VERSION } from '../../protocol/version.ts';
import { loadConfig } from '../../signaling/config.ts';
import { createLogger } from '../../signaling/logger.ts';
import { createParleyServer, type ParleyServer, type ParleyServerOptions } from '../../signaling/server.ts';

export type Client = ClientSocket<ServerToClientEvents, ClientToServerEvents>;
/** The same socket without the event typings, to send what a hostile client would. */
export interface RawClient {
  emit(event: string, ...args: unknown[]): unknown;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
}
export const raw = (client: Client) => client as unknown as RawClient;

/** Limits lifted: every test client comes from 127.0.0.1. */
export const GENEROUS = {
  JOINS_PER_MINUTE_PER_IP: '100000',
  ROOMS_PER_MINUTE_PER_IP: '100000',
  CONNECTIONS_PER_IP: '100000',
  MESSAGES_PER_SECOND_PER_SOCKET: '100000',
  ROOMS_PER_SOCKET: '1000',
};

export interface TestServer {
  server: ParleyServer;
  url: string;
  logs: string[];
}

export interface ClientOptions {
  version?: unknown;
  auth?: unknown;
  headers?: Record<string, string>;
}

export class ServerHarness {
  private readonly cleanups: (() => Promise<void> | void)[] = [];

  readonly startServer = async (env: Record<string, string> = {}, options: ParleyServerOptions = {}): Promise<TestServer> => {
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'trace', ...GENEROUS, ...env });
    const logs: string[] = [];
    const logger = createLogger(config.logLevel, { write: (line: string) => void logs.push(line) });
    const server = createParleyServer(config, { logger, staticDir: pathJoin(tmpdir(), 'parley-no-such-dir'), ...options });
    const { port } = await server.listen();
    this.cleanups.push(() => server.close());
    return { server, url: `http://127.0.0.1:${port}`, logs };
  };

  readonly client = (url: string, options: ClientOptions = {}): Client => {
    const socket: Client = connectClient(url, {
      auth: (options.auth ?? { version: options.version ?? PROTOCOL_VERSION }) as Record<string, unknown>,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...(options.headers ? { extraHeaders: options.headers } : {}),
    });
    this.cleanups.push(() => void socket.disconnect());
    return socket;
  };

  readonly connected = async (url: string, options?: ClientOptions): Promise<Client> => {
    const socket = this.client(url, options);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  };

  /** Stops everything started since the last call, newest first. */
  async cleanup(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
  }
}

/** The next `event` the socket receives (rejects after `timeoutMs`). */
export function next(socket: Client, event: string, timeoutMs = 3000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    (socket as unknown as { once(e: string, fn: (p: unknown) => void): void }).once(event, (payload) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** Records every server → client message of a socket. */
export function recorder(socket: Client) {
  const messages: { event: string; payload: unknown }[] = [];
  socket.onAny((event: string, payload: unknown) => messages.push({ event, payload }));
  return {
    messages,
    events: () => messages.map((m) => m.event),
    of: (event: string) => messages.filter((m) => m.event === event).map((m) => m.payload),
  };
}
