/**
 * The real signaling server, started by Playwright (`playwright.config.ts`), with test hooks
 * that exist only here:
 *
 * - `PARLEY_TEST_RECORD=1`: records every inbound socket.io frame as the server received it.
 *   `GET /__test/frames` answers them as a JSON array of strings (binary frames as latin1, so
 *   plaintext would still show); `POST /__test/frames/clear` forgets them.
 * - `PARLEY_TEST_TAMPER=1`: flips a few characters in the middle of every relayed `data`
 *   string. The result stays valid base64url, so it reaches the other browser, whose
 *   authentication must then fail loudly. `PARLEY_TEST_TAMPER=signal` alters only the sealed
 *   WebRTC signals, so the code check passes and the sealing itself must catch it.
 * - `PARLEY_TEST_HOSTILE=replay|swap|inject|drop-confirm`: a relay that attacks in one specific
 *   way (hostile-relay.ts).
 *
 * - `PARLEY_TEST_DESK_TEMPLATE=<file>`: a desk config copied to a fresh temp file used as
 *   `DESK_CONFIG`, so the admin page's saves never change the fixture in the repository.
 * - `PARLEY_TEST_ELAPSED=<amber>,<red>`: answers `GET /api/desk/rep` with the desk defaults and
 *   these elapsed-time thresholds (seconds), for the console's elapsed-icon test, until the desk
 *   config file (`DESK_CONFIG`) serves that route on main.
 *
 * Configuration otherwise comes from the environment like `signaling/main.ts` (`PORT` etc.),
 * with test-friendly defaults: loopback only, warn-level logs, generous join limit.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { DeskConfigSchema, RepViewSchema, type RepView } from '../../protocol/desk-config.ts';
import { ConfigError, loadConfig } from '../../signaling/config.ts';
import { createParleyServer, type ParleyServer, type ParleyServerOptions } from '../../signaling/server.ts';
import { HOSTILE_MODES, hostileRelay, type HostileMode } from './hostile-relay.ts';

const MAX_FRAMES = 100_000;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Flips the top bit of up to 3 base64url characters in the middle: always data bits, never only padding. */
export function tamper(data: string): string {
  const chars = [...data];
  const start = Math.max(0, Math.floor(chars.length / 2) - 1);
  for (let i = start; i < Math.min(chars.length, start + 3); i++) {
    const index = BASE64URL.indexOf(chars[i] ?? '');
    if (index >= 0) chars[i] = BASE64URL[index ^ 32] ?? chars[i]!;
  }
  return chars.join('');
}

/** The relay envelope's kind byte (see protocol/envelope.ts), read from the first base64url characters. */
function relayKind(data: string): number {
  return Buffer.from(data.slice(0, 4), 'base64url')[0] ?? -1;
}

/** The rep view of an open-mode desk with the given elapsed thresholds ("2,4"), or null. */
function testRepView(elapsed: string | undefined): RepView | null {
  if (!elapsed) return null;
  const [amberSeconds, redSeconds] = elapsed.split(',').map(Number);
  const desk = v.parse(DeskConfigSchema, { elapsedThresholds: { amberSeconds, redSeconds } });
  return v.parse(RepViewSchema, {
    openMode: true,
    me: null,
    queues: desk.queues,
    survey: desk.survey,
    elapsedThresholds: desk.elapsedThresholds,
    customerSigning: {},
    requestWebhook: '',
    sharedHistoryMinutes: desk.sharedHistoryMinutes,
  });
}

function main(): void {
  let config;
  const deskTemplate = process.env.PARLEY_TEST_DESK_TEMPLATE;
  const desk = deskTemplate ? { DESK_CONFIG: copyToTemp(deskTemplate) } : {};
  try {
    config = loadConfig({ HOST: '127.0.0.1', LOG_LEVEL: 'warn', JOINS_PER_MINUTE_PER_IP: '10000', ...process.env, ...desk });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`test-server: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }

  const record = process.env.PARLEY_TEST_RECORD === '1';
  const frames: string[] = [];
  const options: ParleyServerOptions = {};
  if (record) {
    options.onSocketFrame = (_socketId, frame) => {
      frames.push(typeof frame === 'string' ? frame : frame.toString('latin1'));
      if (frames.length > MAX_FRAMES) frames.splice(0, frames.length - MAX_FRAMES);
    };
  }
  if (process.env.PARLEY_TEST_TAMPER === '1') options.transformRelay = tamper;
  // Only sealed signals (relay kind 3, after the key exchange succeeded) are altered.
  if (process.env.PARLEY_TEST_TAMPER === 'signal') options.transformRelay = (data) => (relayKind(data) === 3 ? tamper(data) : data);

  const hostile = process.env.PARLEY_TEST_HOSTILE;
  let server: ParleyServer | undefined;
  if (hostile) {
    if (!HOSTILE_MODES.includes(hostile as HostileMode)) throw new Error(`test-server: unknown PARLEY_TEST_HOSTILE ${hostile}`);
    options.transformRelay = hostileRelay(hostile as HostileMode, () => server!);
  }
  // The desk's request webhook (session-tools.spec.ts), until the desk config file is loaded by the server.
  const webhook = process.env.PARLEY_TEST_REQUEST_WEBHOOK;
  if (webhook) options.requestWebhook = () => webhook;
  server = createParleyServer(config, options);

  const repView = testRepView(process.env.PARLEY_TEST_ELAPSED);

  // Put the test routes in front of the server's own request handlers (socket.io's included).
  const handlers = server.httpServer.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.httpServer.removeAllListeners('request');
  server.httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (record && path === '/__test/frames' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(frames));
      return;
    }
    if (record && path === '/__test/frames/clear' && req.method === 'POST') {
      frames.length = 0;
      res.writeHead(204).end();
      return;
    }
    if (repView && path === '/api/desk/rep' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(repView));
      return;
    }
    for (const handler of handlers) handler.call(server.httpServer, req, res);
  });

  void server.listen().then(({ port }) => {
    console.log(`test-server listening on http://${config.host}:${port}${record ? ' (recording frames)' : ''}${options.transformRelay ? ` (hostile relay: ${hostile ?? 'tamper'})` : ''}`);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void server.close().then(() => process.exit(0)));
  }
}

function copyToTemp(file: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'parley-e2e-desk-')), 'desk.json');
  copyFileSync(file, copy);
  return copy;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('test-server.ts')) main();
