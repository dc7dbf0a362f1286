/**
 * The desk settings the rep console reads (`GET /api/desk/rep`, RepViewSchema). A server
 * without the desk route (or a network fault) leaves the console on the desk's defaults,
 * taken from the same schema the server validates its config with.
 */
import * as v from 'valibot';
import { DeskConfigSchema, RepViewSchema, type ElapsedThresholds, type RepView } from '@protocol/desk-config.ts';

export const REP_VIEW_PATH = '/api/desk/rep';

/** The thresholds a desk config without `elapsedThresholds` gets. */
export function defaultThresholds(): ElapsedThresholds {
  return v.parse(DeskConfigSchema, {}).elapsedThresholds;
}

/** The rep view, or null when the server has none to give (no desk route, not signed in, offline, malformed). */
export async function fetchRepView(fetcher: typeof fetch = fetch): Promise<RepView | null> {
  try {
    const response = await fetcher(REP_VIEW_PATH, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!response.ok) return null;
    const parsed = v.safeParse(RepViewSchema, await response.json());
    return parsed.success ? parsed.output : null;
  } catch {
    return null;
  }
}
