import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../signaling/config.ts';
import { DEFAULT_DESK_CONFIG, DeskConfigInvalid, DeskConfigNotAnnounced, DeskSettings, loadDeskConfig } from '../../signaling/desk/config.ts';
import { deskConfigWithReps, writeDeskFile } from './desk-fixtures.ts';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('desk config file (DESK_CONFIG)', () => {
  it('loads the example file shipped in deploy/', () => {
    const config = loadDeskConfig('deploy/desk.example.json');
    expect(config.reps.map((r) => r.role)).toEqual(['admin', 'rep']);
    expect(config.portal.notices.length).toBeGreaterThan(0);
  });

  it('is part of the server configuration, and its problems are listed with the other settings', async () => {
    const file = writeDeskFile(await deskConfigWithReps());
    expect(loadConfig({ DESK_CONFIG: file }).desk?.initial.reps).toHaveLength(2);
    expect(loadConfig({}).desk).toBeNull();
    const problems = problemsOf(() => loadConfig({ DESK_CONFIG: '/no/such/desk.json', PORT: 'abc' }));
    expect(problems).toContainEqual(expect.stringMatching(/^PORT/));
    expect(problems).toContainEqual('DESK_CONFIG: cannot read /no/such/desk.json: ENOENT');
  });

  it('names the file, each setting and what is wrong', async () => {
    const bad = await deskConfigWithReps({
      portal: { holdIntervalSeconds: 2, orphanRedirectUrl: 'javascript:alert(1)' },
      elapsedThresholds: { amberSeconds: 100, redSeconds: 50 },
      colour: 'blue',
    });
    (bad.reps as Record<string, unknown>[])[1]!.passwordHash = 'plain-text-password';
    const file = writeDeskFile(bad);
    const problems = problemsOf(() => loadDeskConfig(file));
    expect(problems.every((p) => p.startsWith(`DESK_CONFIG (${file}) `))).toBe(true);
    const text = problems.join('\n');
    expect(text).toContain('portal.holdIntervalSeconds: must be at least 10');
    expect(text).toContain('reps[1].passwordHash: must be a hash made by `npm run hash-password`');
    expect(text).toContain('portal.orphanRedirectUrl');
    expect(text).toContain('colour: unknown setting');
  });

  it('refuses invalid JSON, a non-object, a rep serving an unknown queue and accounts without an admin', async () => {
    expect(problemsOf(() => loadDeskConfig(writeDeskFile(null, '{"reps": [')))[0]).toMatch(/is not valid JSON/);
    expect(problemsOf(() => loadDeskConfig(writeDeskFile([])))[0]).toMatch(/must contain a JSON object/);
    const config = await deskConfigWithReps();
    const reps = config.reps as Record<string, unknown>[];
    reps[1]!.queues = ['sales'];
    reps[0]!.role = 'rep';
    const text = problemsOf(() => loadDeskConfig(writeDeskFile(config))).join('\n');
    expect(text).toContain('a rep serves a queue that is not in queues');
    expect(text).toContain('at least one rep must have role "admin"');
  });

  it('without a file: open mode with defaults, and nothing to save to', async () => {
    const settings = new DeskSettings(null);
    expect(settings.accountsExist()).toBe(false);
    expect(settings.current()).toEqual(DEFAULT_DESK_CONFIG);
    await expect(settings.save({})).rejects.toThrow(/no DESK_CONFIG/);
  });

  it('saves atomically, keeping the file mode, and applies the change live to listeners', async () => {
    const file = writeDeskFile(await deskConfigWithReps());
    const settings = new DeskSettings(file);
    const heard = vi.fn();
    settings.onChange(heard);
    const next = { ...settings.current(), portal: { ...settings.current().portal, greeting: 'Hello from the admin page' } };
    await settings.save(next);
    expect(settings.current().portal.greeting).toBe('Hello from the admin page');
    expect(heard).toHaveBeenCalledOnce();
    expect(heard.mock.calls[0]![1].portal.greeting).toBe('Welcome to support');
    expect(JSON.parse(readFileSync(file, 'utf8')).portal.greeting).toBe('Hello from the admin page');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dirname(file))).toEqual(['desk.json']); // no temp file left behind
  });

  it('refuses to save an invalid config: the file and the live config stay as they were', async () => {
    const file = writeDeskFile(await deskConfigWithReps());
    const before = readFileSync(file, 'utf8');
    const settings = new DeskSettings(file);
    const error = await settings.save({ ...settings.current(), queues: [] }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DeskConfigInvalid);
    expect((error as DeskConfigInvalid).problems).toContain('queues: must list at least one queue');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(settings.current().queues).toHaveLength(2);
  });

  it('reload() applies a file another node saved, and keeps the current config when that file is invalid', async () => {
    const file = writeDeskFile(await deskConfigWithReps());
    const a = new DeskSettings(file);
    const b = new DeskSettings(file);
    await a.save({ ...a.current(), sharedHistoryMinutes: 3 });
    b.reload();
    expect(b.current().sharedHistoryMinutes).toBe(3);
    writeDeskFile(null); // unrelated
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, '{"queues": []}');
    expect(() => b.reload()).toThrow(ConfigError);
    expect(b.current().sharedHistoryMinutes).toBe(3);
  });

  it('announces a save to the other nodes, and says so when it cannot (saved and applied here all the same)', async () => {
    const file = writeDeskFile(await deskConfigWithReps());
    const settings = new DeskSettings(file);
    const published = vi.fn(async () => {});
    await settings.connect({ publish: published, subscribe: async () => {}, close: async () => {} }, () => {});
    await settings.save({ ...settings.current(), sharedHistoryMinutes: 4 });
    expect(published).toHaveBeenCalledOnce();
    published.mockRejectedValueOnce(new Error('Redis down'));
    await expect(settings.save({ ...settings.current(), sharedHistoryMinutes: 5 })).rejects.toBeInstanceOf(DeskConfigNotAnnounced);
    expect(settings.current().sharedHistoryMinutes).toBe(5);
    expect(JSON.parse(readFileSync(file, 'utf8')).sharedHistoryMinutes).toBe(5);
  });
});
