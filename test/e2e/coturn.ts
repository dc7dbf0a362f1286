/**
 * A real coturn (`turnserver`, Debian's `coturn` package) for tests, started from the shipped
 * sample `deploy/coturn/turnserver.conf` — hardening and all — with only what a test must change:
 * loopback addresses and ports, a throwaway secret, its own log, pid file and database in a
 * temporary directory (so nothing touches /var), and no TLS (no certificate here).
 *
 * `allowLoopbackPeers` is for tests where both browsers run on this machine: their relay
 * addresses, which each relays to, are then 127.0.0.1. The sample denies loopback peers (coturn's
 * default, and its denied-peer-ip for 127.0.0.0/8); this lifts it for 127.0.0.1 alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StunClass, StunMethod, decodeStun, encodeStun } from './stun.ts';

export const SAMPLE_CONFIG = join(import.meta.dirname, '../../deploy/coturn/turnserver.conf');
export const TEST_REALM = 'parley.test';

export interface CoturnOptions {
  /** UDP and TCP listening port on 127.0.0.1. */
  port: number;
  /** Relay port range on 127.0.0.1. */
  minPort: number;
  maxPort: number;
  secret: string;
  allowLoopbackPeers?: boolean;
  /** Also relay on ::1, for IPv6 allocations (needs IPv6 on the loopback interface). */
  relayIpv6?: boolean;
  /** Log each request and each session's traffic (coturn's `verbose`), for tests to read. */
  verbose?: boolean;
}

export interface Coturn {
  port: number;
  /** coturn's log up to the moment it answered (its configuration problems, if any, are here). */
  startupLog: string;
  /** coturn's log so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Settings of the sample a test replaces (every other line is used as shipped). */
const REPLACED = ['listening-ip', 'relay-ip', 'external-ip', 'listening-port', 'tls-listening-port', 'min-port', 'max-port', 'static-auth-secret', 'realm', 'syslog', 'log-file', 'pidfile', 'userdb'];

/** The sample with the test's addresses, ports, secret and files. */
export function testConfig(sample: string, options: CoturnOptions, dir: string): string {
  const kept = sample.split('\n').filter((line) => !REPLACED.includes(line.trim().split('=')[0]!.trim()));
  return [
    ...kept,
    '# --- test overrides (test/e2e/coturn.ts) ---',
    'listening-ip=127.0.0.1',
    'relay-ip=127.0.0.1',
    ...(options.relayIpv6 ? ['relay-ip=::1'] : []),
    `listening-port=${options.port}`,
    'no-tls',
    `min-port=${options.minPort}`,
    `max-port=${options.maxPort}`,
    `static-auth-secret=${options.secret}`,
    `realm=${TEST_REALM}`,
    `log-file=${join(dir, 'turn.log')}`,
    `pidfile=${join(dir, 'turn.pid')}`,
    `userdb=${join(dir, 'turndb')}`,
    ...(options.verbose ? ['verbose'] : []),
    ...(options.allowLoopbackPeers
      ? ['# Test only: both browsers are on this machine, so their relay addresses are 127.0.0.1.', 'allow-loopback-peers', 'allowed-peer-ip=127.0.0.1']
      : []),
    '',
  ].join('\n');
}

/** Lines of a coturn log that mean the configuration was not taken as written. */
export function configurationProblems(log: string): string[] {
  return log.split('\n').filter((line) => /Bad configuration|ERROR|Wrong|error resolving|unknown option|CONFIG ERROR/i.test(line));
}

export function assertCoturnInstalled(): void {
  const found = spawnSync('turnserver', ['--version'], { encoding: 'utf8' });
  if (found.error) throw new Error('coturn is not installed: `apt-get install coturn` (Debian) provides turnserver');
}

export async function startCoturn(options: CoturnOptions): Promise<Coturn> {
  assertCoturnInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'parley-coturn-'));
  const configFile = join(dir, 'turnserver.conf');
  writeFileSync(configFile, testConfig(readFileSync(SAMPLE_CONFIG, 'utf8'), options, dir), { mode: 0o600 });
  const logFile = join(dir, 'turn.log');
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  const child: ChildProcess = spawn('turnserver', ['-c', configFile], { stdio: 'ignore' });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      // coturn takes a second or two to stop on SIGTERM; never leave it behind.
      const timer = setTimeout(() => !exited && child.kill('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  while (!(await answersBinding(options.port))) {
    if (exited || Date.now() > deadline) {
      const log = readLog();
      await stop();
      throw new Error(`coturn did not start on 127.0.0.1:${options.port}:\n${log.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { port: options.port, startupLog: readLog(), log: readLog, stop };
}

/** Whether a STUN Binding request to 127.0.0.1:port gets an answer within 200 ms. */
function answersBinding(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), 200);
    socket.on('message', (packet) => done(decodeStun(packet)?.cls === StunClass.Success));
    socket.on('error', () => done(false));
    socket.send(encodeStun({ method: StunMethod.Binding, cls: StunClass.Request, attributes: [] }), port, '127.0.0.1');
  });
}
