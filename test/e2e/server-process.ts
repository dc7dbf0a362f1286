/**
 * A signaling server in a process of its own (test-server.ts), for tests that kill servers the
 * way a crash would. Its own process group, so that the kill reaches the server under npx too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from '@playwright/test';
import { common } from '../../playwright.config.ts';

export interface ServerProcess {
  readonly url: string;
  /** SIGKILL: no goodbye to anyone. */
  kill(): Promise<void>;
}

export async function startServerProcess(port: number, env: Record<string, string> = {}): Promise<ServerProcess> {
  const url = `http://127.0.0.1:${port}`;
  const answering = await fetch(`${url}/healthz`).then(() => true, () => false);
  if (answering) throw new Error(`port ${port} is already in use: stop the stale server first`);
  const child: ChildProcess = spawn('npx', ['tsx', 'test/e2e/test-server.ts'], {
    env: { ...process.env, ...common, PORT: String(port), ...env },
    stdio: 'ignore',
    detached: true,
  });
  await expect.poll(() => fetch(`${url}/healthz`).then((r) => r.ok, () => false), { timeout: 30_000 }).toBe(true);
  return {
    url,
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(-child.pid!, 'SIGKILL');
      }),
  };
}
