/**
 * The admin page's working copy of the desk config: plain fields edited in forms, the JSON-edited
 * parts as text. {@link toConfig} turns it back into what `PUT /api/admin/config` takes, or lists
 * the JSON fields that do not parse (nothing is sent then, and nothing typed is lost).
 */
import type { AdminConfig } from '@protocol/desk-admin.ts';

export const JSON_FIELDS = ['cannedMessages', 'survey', 'filePolicy', 'iceServers', 'customerSigning'] as const;
export type JsonField = (typeof JSON_FIELDS)[number];

export interface AdminDraft {
  config: AdminConfig;
  json: Record<JsonField, string>;
  /** Usernames that exist on the server (a rep not in here is new and needs a password). */
  saved: Set<string>;
}

export function toDraft(config: AdminConfig): AdminDraft {
  const json = {} as Record<JsonField, string>;
  for (const field of JSON_FIELDS) {
    const value = config[field];
    json[field] = value === undefined ? '' : JSON.stringify(value, null, 2);
  }
  return {
    config: JSON.parse(JSON.stringify({ ...config, reps: config.reps.map((rep) => ({ ...rep, password: '' })) })) as AdminConfig,
    json,
    saved: new Set(config.reps.map((rep) => rep.username.toLowerCase())),
  };
}

export type DraftResult = { ok: true; config: AdminConfig } | { ok: false; invalid: { field: JsonField; detail: string }[] };

export function toConfig(draft: AdminDraft): DraftResult {
  // A JSON copy, not structuredClone: the draft is a Svelte state proxy, which cannot be cloned.
  const config = JSON.parse(JSON.stringify(draft.config)) as Record<string, unknown>;
  const invalid: { field: JsonField; detail: string }[] = [];
  for (const field of JSON_FIELDS) {
    const text = draft.json[field].trim();
    if (text === '') {
      delete config[field];
      continue;
    }
    try {
      config[field] = JSON.parse(text) as unknown;
    } catch (err) {
      invalid.push({ field, detail: err instanceof Error ? err.message : String(err) });
    }
  }
  // An empty password means "keep it": not sent at all.
  config.reps = (config.reps as AdminConfig['reps']).map(({ password, ...rep }) => (password ? { ...rep, password } : rep));
  return invalid.length > 0 ? { ok: false, invalid } : { ok: true, config: config as unknown as AdminConfig };
}
