/** The test redis-server (test/redis-server.ts) for vitest files. */
import { afterAll, beforeAll } from 'vitest';
import { startRedis, type TestRedis } from '../redis-server.ts';

/**
 * One redis-server for a vitest file: started before its tests, stopped after them. Call at the
 * top level; `redis()` is the server, `redis.newPrefix()` a key prefix no other test uses.
 */
export function useRedis(): (() => TestRedis) & { newPrefix(): string } {
  let server: TestRedis | null = null;
  let prefixes = 0;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const get = () => {
    if (!server) throw new Error('useRedis: the server starts in beforeAll');
    return server;
  };
  return Object.assign(get, { newPrefix: () => `test-${process.pid}-${++prefixes}:` });
}
