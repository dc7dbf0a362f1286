/** The real Parley server in the bench process, and a headless Chromium, for the page benchmarks. */
import { chromium, type Browser } from '@playwright/test';
import { existsSync } from 'node:fs';
import { loadConfig } from '../../signaling/config.ts';
import { createLogger } from '../../signaling/logger.ts';
import { createParleyServer } from '../../signaling/server.ts';

/** Bench ports: `BENCH_PORT` (default 0, any free port). */
export async function startBenchServer(fileMaxMB: number): Promise<{ base: string; close: () => Promise<void> }> {
  const config = loadConfig({
    ...process.env,
    PORT: process.env.BENCH_PORT ?? '0',
    HOST: '127.0.0.1',
    JOINS_PER_MINUTE_PER_IP: '100000',
    ROOMS_PER_MINUTE_PER_IP: '100000',
    CONNECTIONS_PER_IP: '10000',
    MESSAGES_PER_SECOND_PER_SOCKET: '100000',
    FILE_MAX_BYTES: String(Math.max(1, fileMaxMB) * 1024 * 1024),
    FILE_TYPES: '*',
    FILE_AUTO_ACCEPT_FROM_REP: 'true',
  });
  const server = createParleyServer(config, { logger: createLogger('error') });
  const { port } = await server.listen();
  return { base: `http://127.0.0.1:${port}`, close: () => server.close() };
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
  return chromium.launch({
    executablePath,
    args: ['--disable-background-networking', '--disable-component-update', '--disable-features=WebRtcHideLocalIpsWithMdns', '--enable-precise-memory-info'],
  });
}
