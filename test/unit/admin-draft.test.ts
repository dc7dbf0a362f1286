import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { DeskConfigSchema } from '../../protocol/desk-config.ts';
import { toConfig, toDraft } from '../../client/src/admin/admin-draft.ts';
import type { AdminConfig } from '../../protocol/desk-admin.ts';

const base = (): AdminConfig => {
  const { reps: _reps, ...rest } = v.parse(DeskConfigSchema, { cannedMessages: [{ title: 'Hi', text: 'Hello' }] });
  return { ...rest, reps: [{ username: 'alice', displayName: 'Alice', queues: ['general'], role: 'admin' }] };
};

describe('admin page draft', () => {
  it('round-trips a config: JSON parts as text, empty passwords not sent', () => {
    const draft = toDraft(base());
    expect(draft.json.cannedMessages).toContain('"Hello"');
    expect(draft.json.filePolicy).toBe(''); // not set: the server setting applies
    expect(draft.saved.has('alice')).toBe(true);
    const result = toConfig(draft);
    expect(result).toEqual({ ok: true, config: base() });
  });

  it('sends a typed password, and drops a JSON part left empty', () => {
    const draft = toDraft(base());
    draft.config.reps[0]!.password = 'a-new-password';
    draft.json.cannedMessages = '   ';
    const result = toConfig(draft);
    if (!result.ok) throw new Error('expected ok');
    expect(result.config.reps[0]).toEqual({ username: 'alice', displayName: 'Alice', queues: ['general'], role: 'admin', password: 'a-new-password' });
    expect('cannedMessages' in result.config).toBe(false);
  });

  it('names every JSON part that does not parse, and keeps the text as typed', () => {
    const draft = toDraft(base());
    draft.json.survey = '[{"id": "q1",';
    draft.json.iceServers = 'stun:example.org';
    const result = toConfig(draft);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.invalid.map((i) => i.field)).toEqual(['survey', 'iceServers']);
    expect(draft.json.survey).toBe('[{"id": "q1",');
  });
});
