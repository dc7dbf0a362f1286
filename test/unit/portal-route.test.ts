import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { PortalViewSchema } from '../../protocol/desk-config.ts';
import { DeskConfigFileError, loadDeskConfigFile, portalViewRoute } from '../../signaling/desk/portal-route.ts';

const dir = mkdtempSync(join(tmpdir(), 'parley-portal-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function answer(route: ReturnType<typeof portalViewRoute>) {
  let status = 0;
  let headers: Record<string, string> = {};
  let body = '';
  const res = {
    writeHead: (s: number, h: Record<string, string>) => ((status = s), (headers = h)),
    end: (b: string) => void (body = b),
  } as unknown as ServerResponse;
  await route({} as IncomingMessage, res);
  return { status, headers, json: JSON.parse(body) as unknown };
}

describe('portal view route', () => {
  it('without a file: the defaults (one queue, no agreement)', async () => {
    const { status, headers, json } = await answer(portalViewRoute(() => loadDeskConfigFile(undefined)));
    expect(status).toBe(200);
    expect(headers['Cache-Control']).toBe('no-store');
    const view = v.parse(PortalViewSchema, json);
    expect(view.queues).toEqual([{ id: 'general', name: 'General support' }]);
    expect(view.portal.agreement).toBe('');
  });

  it('serves what a visitor may see, never reps, keys or the webhook', async () => {
    const path = file('desk.json', JSON.stringify({
      reps: [{ username: 'ada', displayName: 'Ada', passwordHash: `scrypt$15$8$1$${'a'.repeat(22)}$${'b'.repeat(43)}`, queues: ['general'], role: 'admin' }],
      customerSigning: { hmacSecret: 'k'.repeat(43) },
      requestWebhook: 'https://hooks.example.org/x',
      portal: { greeting: 'Hello', notices: [{ id: 'n', text: 'Known', enabled: true }] },
    }));
    const { json } = await answer(portalViewRoute(() => loadDeskConfigFile(path)));
    expect(Object.keys(json as object).sort()).toEqual(['portal', 'queues', 'survey']);
    const text = JSON.stringify(json);
    for (const secret of ['scrypt', 'kkkk', 'hooks.example.org', 'ada']) expect(text).not.toContain(secret);
    expect(v.parse(PortalViewSchema, json).portal.greeting).toBe('Hello');
  });

  it('a bad file names every problem; an unreadable one says so', () => {
    const bad = file('bad.json', JSON.stringify({ portal: { holdIntervalSeconds: 1, orphanRedirectUrl: 'javascript:alert(1)' } }));
    expect(() => loadDeskConfigFile(bad)).toThrow(DeskConfigFileError);
    expect(() => loadDeskConfigFile(bad)).toThrow(/portal\.holdIntervalSeconds: must be at least 10[\s\S]*portal\.orphanRedirectUrl/);
    expect(() => loadDeskConfigFile(file('broken.json', '{'))).toThrow(/cannot read .* as JSON/);
    expect(() => loadDeskConfigFile(join(dir, 'missing.json'))).toThrow(/DESK_CONFIG/);
  });
});
