/**
 * `GET /api/desk/portal`: what any visitor of the customer portal may read (PortalViewSchema):
 * the queues, the portal texts and the survey questions, never reps or keys.
 *
 * The desk config comes from the JSON file named by `DESK_CONFIG` (validated with
 * DeskConfigSchema; without the variable, the schema's defaults: one queue "General support", no
 * agreement, no notices). This minimal loader stands until the accounts module loads, validates
 * and live-reloads the desk config; the route then takes its view from there.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import * as v from 'valibot';
import { DeskConfigSchema, deskConfigProblems, type DeskConfig, type PortalView } from '../../protocol/desk-config.ts';
import type { HttpRoute } from '../http.ts';

export const PORTAL_VIEW_PATH = '/api/desk/portal';

export class DeskConfigFileError extends Error {}

/** Reads and validates the desk config file; no path: the defaults. Throws DeskConfigFileError naming every problem. */
export function loadDeskConfigFile(path: string | undefined): DeskConfig {
  if (!path) return v.parse(DeskConfigSchema, {});
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DeskConfigFileError(`DESK_CONFIG: cannot read ${path} as JSON: ${(err as Error).message}`);
  }
  const problems = deskConfigProblems(json);
  if (problems.length > 0) throw new DeskConfigFileError(`DESK_CONFIG: ${path} is not a valid desk config:\n  ${problems.join('\n  ')}`);
  return v.parse(DeskConfigSchema, json);
}

/** The public part of a desk config. */
export function portalView(config: DeskConfig): PortalView {
  return { queues: config.queues, portal: config.portal, survey: config.survey };
}

/** The route, answering the view of whatever config `current()` returns at the time of the request. */
export function portalViewRoute(current: () => DeskConfig): HttpRoute {
  return async (_req, res: ServerResponse) => {
    // no-store: an edited config shows on the next page load, not after a cache expires.
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(portalView(current())));
  };
}
