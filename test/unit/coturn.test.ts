/**
 * The shipped coturn sample (deploy/coturn/turnserver.conf) on a real coturn 4.6.1, on loopback:
 * it starts without a configuration error, accepts the credentials Parley's server issues
 * (signaling/turn.ts), refuses expired or forged ones, and refuses to relay to private,
 * loopback, link-local, CGNAT and multicast peers while allowing a public one.
 *
 * Needs `turnserver` (Debian: `apt-get install coturn`; CI installs it).
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueTurnCredential } from '../../signaling/turn.ts';
import { TEST_REALM, configurationProblems, startCoturn, type Coturn } from '../e2e/coturn.ts';
import { StunAttr, StunClass, StunMethod, attribute, decodeStun, encodeStun, errorCode, longTermKey, xorAddress, type StunMessage } from '../e2e/stun.ts';

const SECRET = 'coturn-test-secret-0123456789abcdef';
/** Ports from the e2e base (PARLEY_E2E_PORT_BASE + 23), relays apart from the e2e coturn's. */
const PORT = Number(process.env.PARLEY_E2E_PORT_BASE ?? 8787) + 23;
const TURN = { secret: SECRET, urls: [`turn:127.0.0.1:${PORT}`], credentialTtlSeconds: 600 };

/** Whether this machine has IPv6 on loopback (some containers do not): then IPv6 relays are tested too. */
async function hasIpv6Loopback(): Promise<boolean> {
  const socket = createSocket('udp6');
  const bound = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(0, '::1', () => resolve(true));
  });
  socket.close();
  return bound;
}

let coturn: Coturn;
let ipv6 = false;
beforeAll(async () => {
  ipv6 = await hasIpv6Loopback();
  coturn = await startCoturn({ port: PORT, minPort: 50050, maxPort: 50099, secret: SECRET, relayIpv6: ipv6 });
}, 30_000);
afterAll(() => coturn?.stop());

/** One TURN client socket: requests and their answers, matched by transaction id. */
class TurnClient {
  private readonly socket: Socket = createSocket('udp4');
  private readonly waiting = new Map<string, (message: StunMessage) => void>();
  private realm = '';
  private nonce = Buffer.alloc(0);

  constructor(private readonly username: string, private readonly password: string) {
    this.socket.on('message', (packet) => {
      const message = decodeStun(packet);
      if (message) this.waiting.get(message.transactionId.toString('hex'))?.(message);
    });
  }

  /** Sends one request (with credentials once the server has said its realm and nonce). */
  private request(method: number, attributes: { type: number; value: Buffer }[], transactionId = randomBytes(12)): Promise<StunMessage> {
    const credentials = this.realm
      ? [
          { type: StunAttr.Username, value: Buffer.from(this.username) },
          { type: StunAttr.Realm, value: Buffer.from(this.realm) },
          { type: StunAttr.Nonce, value: this.nonce },
        ]
      : [];
    const key = this.realm ? longTermKey(this.username, this.realm, this.password) : undefined;
    const packet = encodeStun({ method, cls: StunClass.Request, transactionId, attributes: [...attributes, ...credentials] }, key);
    const id = packet.subarray(8, 20).toString('hex');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('coturn did not answer')), 3000);
      this.waiting.set(id, (message) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(message);
      });
      this.socket.send(packet, PORT, '127.0.0.1');
    });
  }

  /** Allocate a UDP relay (IPv4 unless asked): the 401 challenge first, then with credentials. The final answer. */
  async allocate(family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<StunMessage> {
    const udp = { type: StunAttr.RequestedTransport, value: Buffer.from([17, 0, 0, 0]) };
    const ipv6 = family === 'ipv6' ? [{ type: StunAttr.RequestedAddressFamily, value: Buffer.from([2, 0, 0, 0]) }] : [];
    const challenge = await this.request(StunMethod.Allocate, [udp, ...ipv6]);
    expect(errorCode(challenge)).toBe(401);
    this.realm = attribute(challenge, StunAttr.Realm)!.toString();
    this.nonce = Buffer.from(attribute(challenge, StunAttr.Nonce)!);
    return this.request(StunMethod.Allocate, [udp, ...ipv6]);
  }

  /** Refreshes the allocation (for `lifetime` seconds; 0 releases it). */
  refresh(lifetime = 600): Promise<StunMessage> {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(lifetime);
    return this.request(StunMethod.Refresh, [{ type: StunAttr.Lifetime, value }]);
  }

  createPermission(peer: string): Promise<StunMessage> {
    const transactionId = randomBytes(12);
    return this.request(StunMethod.CreatePermission, [{ type: StunAttr.XorPeerAddress, value: xorAddress(peer, 9, transactionId) }], transactionId);
  }

  close(): void {
    this.socket.close();
  }
}

async function withClient<T>(username: string, password: string, run: (client: TurnClient) => Promise<T>): Promise<T> {
  const client = new TurnClient(username, password);
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

describe('coturn with the shipped sample configuration', () => {
  it('starts with every setting taken (no configuration error)', () => {
    const log = coturn.startupLog;
    expect(configurationProblems(log)).toEqual([]);
    expect(log).toContain(`Default realm: ${TEST_REALM}`);
    expect(log).toContain('Black listing: 10.0.0.0-10.255.255.255');
    expect(log).toContain('CONFIG: --no-tcp-relay');
  });

  it('allocates a relay with a credential Parley issued', async () => {
    const { username, credential } = issueTurnCredential(TURN, Date.now());
    const answer = await withClient(username, credential, (client) => client.allocate());
    expect(answer.cls).toBe(StunClass.Success);
    expect(attribute(answer, StunAttr.XorRelayedAddress)).toBeDefined();
  });

  it('refuses an expired credential, a forged one and one made with another secret', async () => {
    const expired = issueTurnCredential(TURN, Date.now() - 601_000);
    const fresh = issueTurnCredential(TURN, Date.now());
    const otherSecret = issueTurnCredential({ ...TURN, secret: 'not-the-shared-secret-0123456789' }, Date.now());
    for (const [username, password] of [
      [expired.username, expired.credential],
      [fresh.username, otherSecret.credential],
      [`${Number(fresh.username.split(':')[0]) + 3600}:${fresh.username.split(':')[1]}`, fresh.credential], // a later expiry, same HMAC
    ] as const) {
      const answer = await withClient(username, password, (client) => client.allocate());
      expect(answer.cls).toBe(StunClass.Error);
      expect(errorCode(answer)).toBe(401);
    }
  });

  it('checks the expiry when a relay is allocated: a relay in use outlives its credential', async () => {
    const { username, credential } = issueTurnCredential({ ...TURN, credentialTtlSeconds: 2 }, Date.now());
    await withClient(username, credential, async (client) => {
      expect((await client.allocate()).cls).toBe(StunClass.Success);
      await new Promise((resolve) => setTimeout(resolve, 3500));
      // Expired now: a new allocation with it is refused, but this relay is kept alive.
      expect((await client.refresh()).cls).toBe(StunClass.Success);
      expect((await client.createPermission('93.184.216.34')).cls).toBe(StunClass.Success);
    });
    const late = await withClient(username, credential, (client) => client.allocate());
    expect(errorCode(late)).toBe(401);
  });

  it('refuses to relay to private, loopback, link-local, CGNAT, reserved and multicast peers; public ones are allowed', async () => {
    const { username, credential } = issueTurnCredential(TURN, Date.now());
    await withClient(username, credential, async (client) => {
      expect((await client.allocate()).cls).toBe(StunClass.Success);
      for (const peer of ['10.1.2.3', '127.0.0.1', '169.254.169.254', '172.20.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.1', '198.18.0.1', '224.0.0.251', '255.255.255.255']) {
        const answer = await client.createPermission(peer);
        expect({ peer, code: errorCode(answer) }).toEqual({ peer, code: 403 });
      }
      for (const peer of ['93.184.216.34', '8.8.8.8', '1.1.1.1']) expect({ peer, cls: (await client.createPermission(peer)).cls }).toEqual({ peer, cls: StunClass.Success });
    });
  });

  it('and for IPv6 peers: loopback, IPv4-compatible, mapped and NAT64, 6to4, Teredo, unique and link-local, multicast are refused; public ones are allowed', async (context) => {
    if (!ipv6) return context.skip('no IPv6 on the loopback interface here');
    const { username, credential } = issueTurnCredential(TURN, Date.now());
    await withClient(username, credential, async (client) => {
      expect((await client.allocate('ipv6')).cls).toBe(StunClass.Success);
      for (const peer of ['::1', '::2', '::a00:1', '::a00:0', '::1:0', '::ffff:ffff', '::ffff:a00:1', '64:ff9b::a00:1', '2002:a00:1::1', '2001::1', '2001:db8::1', '100::1', 'fd00::1', 'fe80::1', 'fec0::1', 'ff02::1']) {
        const answer = await client.createPermission(peer);
        expect({ peer, code: errorCode(answer) }).toEqual({ peer, code: 403 });
      }
      for (const peer of ['2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001::1', '2003::1']) {
        expect({ peer, cls: (await client.createPermission(peer)).cls }).toEqual({ peer, cls: StunClass.Success });
      }
    });
  });
});
