import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(
  (p): p is string => !!p && existsSync(p),
);

/**
 * Test servers: the real signaling server (test/e2e/test-server.ts) on loopback ports from
 * PARLEY_E2E_PORT_BASE (default 8787), so two checkouts can run their suites side by side.
 */
const base = Number(process.env.PARLEY_E2E_PORT_BASE ?? 8787);
export const SERVERS = {
  main: base, // records every inbound frame for the "server sees only ciphertext" test
  tamper: base + 1, // flips bytes in every relayed payload
  shortTtl: base + 2, // codes expire after 2 s
  tamperSignals: base + 3, // flips bytes in sealed WebRTC signals only (after the key exchange)
  filesAuto: base + 4, // file policy: customers accept the rep's files automatically; 1 MiB, text and PNG only
  // Hostile relays (test/e2e/hostile-relay.ts):
  replay: base + 5, // replays a side's first sealed signal after its second
  swapPake: base + 6, // hands each side its own PAKE message
  inject: base + 7, // injects a forged sealed signal
  dropConfirm: base + 8, // drops the key confirmations
  desk: base + 9, // support desk: test/e2e/desk-portal.config.json (agreement, consent, notices, 3 s orphan timeout, survey)
  // Started and stopped by session-tools.spec.ts itself: a server whose rep console CSP allows a request webhook.
  requestWebhook: base + 16,
  outage: base + 10, // started and stopped by outage.spec.ts itself (a signaling server that goes away)
  // Several nodes on one Redis, all started and stopped by cluster.spec.ts itself:
  redis: base + 11,
  nodeA: base + 12,
  nodeB: base + 13,
  balancer: base + 14, // a TCP balancer preferring node B, falling back to node A
  deskQueue: base + 15, // support desk: test/e2e/desk-queue.config.json (one queue, no agreement, no orphan timeout)
  deskChat: base + 17, // the same desk config, for desk-queue.spec.ts's chats (their wait estimates must not reach portal.spec.ts)
  // Started and stopped by turn.spec.ts itself: a server that forces relaying through a real coturn.
  turn: base + 20, // the Parley server (TURN_SECRET, TURN_URLS, ICE_TRANSPORT_POLICY=relay)
  coturn: base + 21, // coturn on loopback (relay ports 50000-50049)
  turnObserver: base + 22, // the UDP forwarder between the browsers and coturn (turn-observer.ts)
  // base + 23: coturn of test/unit/coturn.test.ts (relay ports 50050-50099)
  accounts: base + 30, // a desk config with rep accounts (test/e2e/desk.accounts.json, copied): sign-in required
} as const;

// Every browser in the suite comes from 127.0.0.1: lift the per-IP limits (they have their own unit tests).
export const common = {
  JOINS_PER_MINUTE_PER_IP: '10000',
  ROOMS_PER_MINUTE_PER_IP: '10000',
  CONNECTIONS_PER_IP: '1000',
  MESSAGES_PER_SECOND_PER_SOCKET: '500',
  LOG_LEVEL: 'warn',
  // A page that closes or reloads keeps its place this long (the rejoin tests reload well within it).
  REJOIN_WINDOW_SECONDS: '10',
  HOST: '127.0.0.1',
};

function server(port: number, env: Record<string, string>) {
  return {
    command: 'npx tsx test/e2e/test-server.ts',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: { ...common, PORT: String(port), ...env },
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
  };
}

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${SERVERS.main}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        // Host candidates as plain loopback/LAN addresses: mDNS names cannot resolve on a closed machine.
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        '--auto-select-desktop-capture-source=Entire screen',
      ],
    },
  },
  webServer: [
    // Canned messages from a fixture file (the other servers have none: the "none configured" case).
    server(SERVERS.main, { PARLEY_TEST_RECORD: '1', PARLEY_CONFIG: 'test/e2e/parley.config.json' }),
    server(SERVERS.tamper, { PARLEY_TEST_TAMPER: '1' }),
    server(SERVERS.shortTtl, { CODE_TTL_SECONDS: '2' }),
    server(SERVERS.tamperSignals, { PARLEY_TEST_TAMPER: 'signal' }),
    server(SERVERS.filesAuto, { FILE_AUTO_ACCEPT_FROM_REP: 'true', FILE_MAX_BYTES: '1048576', FILE_TYPES: 'text/*,image/png' }),
    server(SERVERS.replay, { PARLEY_TEST_HOSTILE: 'replay' }),
    server(SERVERS.swapPake, { PARLEY_TEST_HOSTILE: 'swap' }),
    server(SERVERS.inject, { PARLEY_TEST_HOSTILE: 'inject' }),
    server(SERVERS.dropConfirm, { PARLEY_TEST_HOSTILE: 'drop-confirm' }),
    server(SERVERS.accounts, { PARLEY_TEST_DESK_TEMPLATE: 'test/e2e/desk.accounts.json' }),
    server(SERVERS.desk, { DESK_CONFIG: 'test/e2e/desk-portal.config.json' }),
    server(SERVERS.deskQueue, { DESK_CONFIG: 'test/e2e/desk-queue.config.json' }),
    server(SERVERS.deskChat, { DESK_CONFIG: 'test/e2e/desk-queue.config.json' }),
  ],
});
