import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../signaling/config.ts';

function problems(env: Record<string, string>, file?: string): string[] {
  try {
    loadConfig(env, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

function tempFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, content);
  return path;
}

describe('loadConfig', () => {
  it('has safe defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      codeTtlSeconds: 900,
      tombstoneTtlSeconds: 3600,
      maxTombstones: 50_000,
      rejoinWindowSeconds: 120,
      iceServers: [],
      turn: null,
      iceTransportPolicy: 'all',
      joinsPerMinutePerIp: 30,
      roomsPerMinutePerIp: 30,
      connectionsPerIp: 50,
      messagesPerSecondPerSocket: 50,
      messageBurstPerSocket: 100,
      roomsPerSocket: 5,
      maxRooms: 100_000,
      trustProxy: false,
      logLevel: 'info',
      corsOrigins: [],
      filePolicy: { maxBytes: 20 * 1024 * 1024, maxCount: 5, types: ['text/*', 'application/pdf', 'image/*'], autoAcceptFromRep: false },
      cannedMessages: [],
      redisUrl: null,
      redisPrefix: 'parley:',
      metricsToken: null,
      shutdownDrainSeconds: 5,
      hstsSeconds: 0,
      desk: null,
    });
  });

  it('reads every setting from the environment', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      CODE_TTL_SECONDS: '60',
      TOMBSTONE_TTL_SECONDS: '120',
      MAX_TOMBSTONES: '10',
      REJOIN_WINDOW_SECONDS: '30',
      ICE_SERVERS: '[{"urls":"stun:stun.example.org"},{"urls":["turn:turn.example.org"],"username":"u","credential":"c"}]',
      TURN_SECRET: 'a-secret-of-20-chars',
      TURN_URLS: 'turn:turn.example.org:3478?transport=udp, turns:turn.example.org:5349?transport=tcp',
      TURN_CREDENTIAL_TTL_SECONDS: '600',
      ICE_TRANSPORT_POLICY: 'Relay',
      JOINS_PER_MINUTE_PER_IP: '3',
      ROOMS_PER_MINUTE_PER_IP: '6',
      CONNECTIONS_PER_IP: '7',
      MESSAGES_PER_SECOND_PER_SOCKET: '4',
      MESSAGE_BURST_PER_SOCKET: '0',
      ROOMS_PER_SOCKET: '2',
      MAX_ROOMS: '50',
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'DEBUG',
      CORS_ORIGINS: 'https://support.example.com, http://localhost:5173/',
      FILE_MAX_BYTES: '1048576',
      FILE_MAX_COUNT: '2',
      FILE_TYPES: ' Text/Plain, image/* ,.LOG,,',
      FILE_AUTO_ACCEPT_FROM_REP: 'yes',
      CANNED_MESSAGES: '[{"title":"Hi","text":"Hello!"}]',
      REDIS_URL: 'redis://:s3cret@redis.internal:6380/2',
      REDIS_PREFIX: 'support-eu:',
      METRICS_TOKEN: ' 0123456789abcdef0123 ',
      SHUTDOWN_DRAIN_SECONDS: '30',
      HSTS_SECONDS: '63072000',
      UNRELATED: 'ignored',
    });
    expect(config).toEqual({
      port: 9000,
      host: '127.0.0.1',
      codeTtlSeconds: 60,
      tombstoneTtlSeconds: 120,
      maxTombstones: 10,
      rejoinWindowSeconds: 30,
      iceServers: [
        { urls: 'stun:stun.example.org' },
        { urls: ['turn:turn.example.org'], username: 'u', credential: 'c' },
      ],
      turn: { secret: 'a-secret-of-20-chars', urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'], credentialTtlSeconds: 600 },
      iceTransportPolicy: 'relay',
      joinsPerMinutePerIp: 3,
      roomsPerMinutePerIp: 6,
      connectionsPerIp: 7,
      messagesPerSecondPerSocket: 4,
      messageBurstPerSocket: 0,
      roomsPerSocket: 2,
      maxRooms: 50,
      trustProxy: true,
      logLevel: 'debug',
      corsOrigins: ['https://support.example.com', 'http://localhost:5173'],
      filePolicy: { maxBytes: 1_048_576, maxCount: 2, types: ['text/plain', 'image/*', '.log'], autoAcceptFromRep: true },
      cannedMessages: [{ title: 'Hi', text: 'Hello!' }],
      redisUrl: 'redis://:s3cret@redis.internal:6380/2',
      redisPrefix: 'support-eu:',
      metricsToken: '0123456789abcdef0123',
      shutdownDrainSeconds: 30,
      hstsSeconds: 63_072_000,
      desk: null,
    });
  });

  it('REJOIN_WINDOW_SECONDS: 0 turns resuming off; negative, fractional or over a day is refused', () => {
    expect(loadConfig({ REJOIN_WINDOW_SECONDS: '0' }).rejoinWindowSeconds).toBe(0);
    for (const bad of ['-1', '1.5', '86401', 'soon']) {
      expect(problems({ REJOIN_WINDOW_SECONDS: bad })[0]).toMatch(/^REJOIN_WINDOW_SECONDS \(environment variable\): must be/);
    }
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', CORS_ORIGINS: ' ' }).port).toBe(8080);
  });

  it.each([
    ['PORT', 'abc', /^PORT \(environment variable\): must be a whole number, got "abc"$/],
    ['PORT', '1.5', /^PORT .*must be a whole number/],
    ['PORT', '70000', /^PORT .*must be between 0 and 65535, got 70000$/],
    ['PORT', '-1', /^PORT .*must be between 0 and 65535/],
    ['CODE_TTL_SECONDS', '0', /^CODE_TTL_SECONDS .*must be between 1 and/],
    ['JOINS_PER_MINUTE_PER_IP', 'many', /^JOINS_PER_MINUTE_PER_IP .*whole number/],
    ['ROOMS_PER_MINUTE_PER_IP', '0', /^ROOMS_PER_MINUTE_PER_IP .*must be between 1 and 1000000/],
    ['ROOMS_PER_MINUTE_PER_IP', 'lots', /^ROOMS_PER_MINUTE_PER_IP .*whole number/],
    ['CONNECTIONS_PER_IP', '0', /^CONNECTIONS_PER_IP .*must be between 1 and 1000000/],
    ['CONNECTIONS_PER_IP', '2.5', /^CONNECTIONS_PER_IP .*whole number/],
    ['MESSAGES_PER_SECOND_PER_SOCKET', '0', /^MESSAGES_PER_SECOND_PER_SOCKET .*between 1 and/],
    ['ROOMS_PER_SOCKET', '0', /^ROOMS_PER_SOCKET .*between 1 and/],
    ['MAX_ROOMS', '1e5', /^MAX_ROOMS .*whole number/],
    ['TRUST_PROXY', 'maybe', /^TRUST_PROXY .*must be true or false, got "maybe"$/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL .*must be one of fatal, error, warn, info, debug, trace, silent/],
    ['CORS_ORIGINS', '*', /^CORS_ORIGINS\[0\] .*'\*' is not allowed/],
    ['CORS_ORIGINS', 'https://ok.example, example.com', /^CORS_ORIGINS\[1\] .*"example.com" is not an origin/],
    ['CORS_ORIGINS', 'https://a.example/path', /is not an origin/],
    ['ICE_SERVERS', 'not json', /^ICE_SERVERS .*is not valid JSON/],
    ['ICE_SERVERS', '{"urls":"stun:x"}', /^ICE_SERVERS .*must be a JSON array of ICE servers/],
    ['ICE_SERVERS', '[{}]', /^ICE_SERVERS\[0\]\.urls .*is missing/],
    ['ICE_SERVERS', '[{"urls":"https://x"}]', /^ICE_SERVERS\[0\] .*stun:, stuns:, turn: or turns:/],
    ['ICE_SERVERS', '[{"urls":"turn:x"}]', /^ICE_SERVERS\[0\] .*needs a username and a credential/],
    ['FILE_MAX_BYTES', '20MB', /^FILE_MAX_BYTES .*whole number/],
    ['FILE_MAX_BYTES', String(5 * 1024 ** 3), /^FILE_MAX_BYTES .*must be between 0 and 4294967296/],
    ['FILE_MAX_COUNT', '0', /^FILE_MAX_COUNT .*must be between 1 and 5/],
    ['FILE_MAX_COUNT', '6', /^FILE_MAX_COUNT .*must be between 1 and 5/],
    ['FILE_TYPES', 'text/*,pdf', /^FILE_TYPES\[1\] .*"pdf" is not a MIME type/],
    ['SHUTDOWN_DRAIN_SECONDS', '-1', /^SHUTDOWN_DRAIN_SECONDS .*must be between 0 and 300/],
    ['SHUTDOWN_DRAIN_SECONDS', '301', /^SHUTDOWN_DRAIN_SECONDS .*must be between 0 and 300/],
    ['HSTS_SECONDS', '1y', /^HSTS_SECONDS .*whole number/],
    ['METRICS_TOKEN', 'short', /^METRICS_TOKEN .*must be 16 to 256 printable ASCII characters without spaces/],
    ['FILE_TYPES', 'image/*/x', /is not a MIME type/],
    ['FILE_AUTO_ACCEPT_FROM_REP', 'sometimes', /^FILE_AUTO_ACCEPT_FROM_REP .*must be true or false/],
  ])('%s=%j is refused with a clear message', (name, value, expected) => {
    const list = problems({ [name]: value });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatch(expected);
  });

  it('does not repeat METRICS_TOKEN in errors', () => {
    const [problem] = problems({ METRICS_TOKEN: 'secret token with spaces' });
    expect(problem).toMatch(/^METRICS_TOKEN /);
    expect(problem).not.toContain('secret');
  });

  it('does not repeat ICE server values (credentials) in errors', () => {
    const [problem] = problems({ ICE_SERVERS: '[{"urls":"turn:x","username":"u","credential":42}]' });
    expect(problem).not.toContain('42');
  });

  it('REDIS_URL must be a redis:// or rediss:// URL and is never repeated in errors (it may hold a password)', () => {
    for (const bad of ['http://:hunter2@redis:6379', 'hunter2', 'redis://']) {
      const [problem, ...more] = problems({ REDIS_URL: bad });
      expect(more).toEqual([]);
      expect(problem).toMatch(/^REDIS_URL .*redis:\/\/ or rediss:\/\/ URL/);
      expect(problem).not.toContain('hunter2');
    }
    expect(loadConfig({ REDIS_URL: 'rediss://user:pw@cache.example.org:6380' }).redisUrl).toBe('rediss://user:pw@cache.example.org:6380');
    expect(problems({ REDIS_PREFIX: 'has space' })[0]).toMatch(/^REDIS_PREFIX .*letters, digits/);
  });

  describe('TURN', () => {
    const SECRET = 'Zm9yLXRlc3RzLW9ubHktMDEyMzQ1Njc4OQ';
    const URL = 'turn:127.0.0.1:3478?transport=udp';

    it('takes the TURN URLs as a comma list or a JSON array, with a 900 s credential lifetime by default', () => {
      expect(loadConfig({ TURN_SECRET: SECRET, TURN_URLS: `${URL}, turns:[2001:db8::1]:5349` }).turn).toEqual({
        secret: SECRET,
        urls: [URL, 'turns:[2001:db8::1]:5349'],
        credentialTtlSeconds: 900,
      });
      expect(loadConfig({ TURN_SECRET: SECRET, TURN_URLS: `["${URL}"]` }).turn?.urls).toEqual([URL]);
      const file = tempFile(JSON.stringify({ TURN_SECRET: SECRET, TURN_URLS: [URL], TURN_CREDENTIAL_TTL_SECONDS: 60 }));
      expect(loadConfig({}, file).turn).toEqual({ secret: SECRET, urls: [URL], credentialTtlSeconds: 60 });
    });

    it('needs both the secret and the URLs, or neither', () => {
      expect(problems({ TURN_SECRET: SECRET })).toEqual([
        "TURN_SECRET is set but TURN_URLS is not: set both (coturn's static-auth-secret, and the turn: URLs browsers reach it at) or neither",
      ]);
      expect(problems({ TURN_URLS: URL })[0]).toMatch(/^TURN_URLS is set but TURN_SECRET is not/);
    });

    it('ICE_TRANSPORT_POLICY=relay needs a TURN server', () => {
      expect(problems({ ICE_TRANSPORT_POLICY: 'relay' })[0]).toMatch(/^ICE_TRANSPORT_POLICY=relay needs a TURN server/);
      expect(loadConfig({ ICE_TRANSPORT_POLICY: 'relay', TURN_SECRET: SECRET, TURN_URLS: URL }).iceTransportPolicy).toBe('relay');
      expect(loadConfig({ ICE_TRANSPORT_POLICY: 'relay', ICE_SERVERS: '[{"urls":"turn:t.example","username":"u","credential":"c"}]' }).iceTransportPolicy).toBe('relay');
      expect(problems({ ICE_TRANSPORT_POLICY: 'tcp' })[0]).toMatch(/^ICE_TRANSPORT_POLICY .*must be all or relay, got "tcp"$/);
    });

    it.each([
      ['TURN_URLS', 'stun:x.example', /^TURN_URLS\[0\] .*"stun:x.example" is not a turn: or turns: URL/],
      ['TURN_URLS', 'turn:x.example:99999', /is not a turn: or turns: URL/],
      ['TURN_URLS', 'turn:x.example?transport=sctp', /is not a turn: or turns: URL/],
      ['TURN_URLS', 'turn:bad host', /is not a turn: or turns: URL/],
      ['TURN_URLS', '[oops', /^TURN_URLS .*is not valid JSON/],
      ['TURN_URLS', '[]', /^TURN_URLS .*must list at least one turn: URL/],
      ['TURN_URLS', Array.from({ length: 9 }, (_, i) => `turn:t${i}.example`).join(','), /^TURN_URLS .*at most 8 URLs/],
      ['TURN_CREDENTIAL_TTL_SECONDS', '59', /^TURN_CREDENTIAL_TTL_SECONDS .*must be between 60 and 86400/],
      ['TURN_CREDENTIAL_TTL_SECONDS', '86401', /must be between 60 and 86400/],
    ])('%s=%j is refused with a clear message', (name, value, expected) => {
      const list = problems({ TURN_SECRET: SECRET, TURN_URLS: URL, [name]: value });
      expect(list).toHaveLength(1);
      expect(list[0]).toMatch(expected);
    });

    it('refuses a weak or malformed secret without ever repeating it', () => {
      for (const secret of ['short-secret', 'has spaces in the middle of it', 'naïve-non-ascii-secret-value']) {
        const list = problems({ TURN_SECRET: secret, TURN_URLS: URL });
        expect(list).toHaveLength(1);
        expect(list[0]).toMatch(/^TURN_SECRET \(environment variable\): /);
        expect(list[0]).not.toContain(secret);
      }
      const file = tempFile(JSON.stringify({ TURN_SECRET: 1234567890123456789, TURN_URLS: URL }));
      expect(problems({}, file)[0]).not.toContain('1234567890123456789');
    });
  });

  it('lists every problem at once', () => {
    const list = problems({ PORT: 'x', LOG_LEVEL: 'y', TRUST_PROXY: 'z' });
    expect(list).toHaveLength(3);
    expect(list.map((p) => p.split(' ')[0])).toEqual(['PORT', 'TRUST_PROXY', 'LOG_LEVEL']);
  });

  it('checks that rooms and tombstones fit in the nameplate space', () => {
    expect(problems({ MAX_ROOMS: '400000', MAX_TOMBSTONES: '200000' })[0]).toMatch(/MAX_ROOMS \+ MAX_TOMBSTONES must be at most 499950/);
  });

  it('ConfigError.message has one problem per line', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'y' })).toThrow(/^invalid configuration:\n {2}- PORT .*\n {2}- LOG_LEVEL .*$/);
  });

  describe('JSON file', () => {
    it('reads JSON values, and environment variables override it', () => {
      const file = tempFile(JSON.stringify({ PORT: 9001, TRUST_PROXY: true, ROOMS_PER_MINUTE_PER_IP: 12, CONNECTIONS_PER_IP: 13, ICE_SERVERS: [{ urls: 'stun:a.example' }], CORS_ORIGINS: ['https://a.example'] }));
      expect(loadConfig({}, file)).toMatchObject({ port: 9001, trustProxy: true, roomsPerMinutePerIp: 12, connectionsPerIp: 13, iceServers: [{ urls: 'stun:a.example' }], corsOrigins: ['https://a.example'] });
      expect(loadConfig({ PORT: '9002' }, file).port).toBe(9002);
    });

    it('reads the file policy as JSON values', () => {
      const file = tempFile(JSON.stringify({ FILE_MAX_BYTES: 5000, FILE_MAX_COUNT: 1, FILE_TYPES: ['application/pdf', '.txt'], FILE_AUTO_ACCEPT_FROM_REP: true }));
      expect(loadConfig({}, file).filePolicy).toEqual({ maxBytes: 5000, maxCount: 1, types: ['application/pdf', '.txt'], autoAcceptFromRep: true });
    });

    it('is found through PARLEY_CONFIG', () => {
      const file = tempFile('{"PORT": 9003}');
      expect(loadConfig({ PARLEY_CONFIG: file }).port).toBe(9003);
    });

    it('names the file in value errors', () => {
      const file = tempFile('{"PORT": "http"}');
      expect(problems({}, file)).toEqual([`PORT (in ${file}): must be a whole number, got "http"`]);
    });

    it('refuses unknown settings (typos)', () => {
      const file = tempFile('{"PROT": 1}');
      expect(problems({}, file)[0]).toMatch(/unknown setting "PROT"/);
    });

    it('refuses a missing file, bad JSON and non-objects', () => {
      expect(problems({}, '/nonexistent/parley.json')[0]).toMatch(/^PARLEY_CONFIG: cannot read \/nonexistent\/parley.json: ENOENT/);
      expect(problems({}, tempFile('{oops'))[0]).toMatch(/is not valid JSON/);
      expect(problems({}, tempFile('[1]'))[0]).toMatch(/must contain a JSON object/);
    });
  });
});
