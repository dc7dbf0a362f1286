/**
 * The server fuzz run (test/fuzz/server-fuzz.ts) at CI size: 5 000 random and mutated socket.io
 * messages against the real server. `npm run fuzz:server` runs the full 100 000.
 * Plus the regression it found: events read together with a fatal parse error must not act.
 */
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { io as connectClient } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../protocol/version.ts';
import { loadConfig } from '../../signaling/config.ts';
import { createLogger } from '../../signaling/logger.ts';
import { createParleyServer } from '../../signaling/server.ts';
import { runServerFuzz } from '../fuzz/server-fuzz.ts';

describe('server fuzz', () => {
  it('5 000 random and mutated messages: no crash, no room or socket left, still serves', async () => {
    const report = await runServerFuzz({ messages: 5_000, connections: 8, seed: 20_260_601 });
    expect(report.crashSamples).toEqual([]);
    expect(report.crashes).toBe(0);
    expect(report.messagesTried).toBe(5_000);
    expect(report.statsAfter).toMatchObject({ rooms: 0, sockets: 0, clients: 0 });
    expect(report.stillServes).toBe(true);
  }, 120_000);

  it('a create-room read in the same packet batch as a parse error creates no room', async () => {
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent' });
    const server = createParleyServer(config, { logger: createLogger('silent'), staticDir: pathJoin(tmpdir(), 'parley-no-such-dir') });
    const { port } = await server.listen();
    try {
      const socket = connectClient(`http://127.0.0.1:${port}`, { auth: { version: PROTOCOL_VERSION }, transports: ['websocket'], reconnection: false, forceNew: true });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const engine = (socket as unknown as { io: { engine: { write(packet: string): void } } }).io.engine;
      // socket.io dispatches decoded events a tick later, after the parse error closed the socket.
      engine.write('21["create-room",{}]');
      engine.write('5garbage'); // a binary event without an attachment count: fatal parse error
      await expect.poll(() => server.io.engine.clientsCount).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await server.rooms.stats()).toMatchObject({ rooms: 0, sockets: 0 });
      socket.disconnect();
    } finally {
      await server.close();
    }
  });
});
