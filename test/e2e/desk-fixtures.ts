/**
 * Desk settings for tests: the RepView a rep console reads from `GET /api/desk/rep`, answered in
 * the rep's browser until the desk config file is served by the server on this branch.
 */
import type { Download, Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import type { RepView } from '../../protocol/desk-config.ts';

const SURVEY: RepView['survey'] = [
  { id: 'overall', kind: 'rating', text: 'How did we do?' },
  { id: 'fixed', kind: 'choice', text: 'Is your problem fixed?', choices: ['Yes', 'Partly', 'No'] },
  { id: 'comment', kind: 'text', text: 'Anything else?' },
];

export function repView(overrides: Partial<RepView> = {}): RepView {
  return {
    openMode: true,
    me: null,
    queues: [{ id: 'general', name: 'General support' }],
    survey: SURVEY,
    elapsedThresholds: { amberSeconds: 60, redSeconds: 180 },
    customerSigning: {},
    requestWebhook: '',
    sharedHistoryMinutes: 10,
    ...overrides,
  };
}

export async function serveDesk(rep: Page, view: RepView): Promise<void> {
  await rep.route('**/api/desk/rep', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(view) }));
}

export async function textOf(download: Download): Promise<string> {
  return readFile((await download.path())!, 'utf8');
}

/** The shown session's report, exported as JSON from the rep console. */
export async function exportJson(rep: Page): Promise<Record<string, unknown>> {
  await rep.getByLabel('Format').selectOption('json');
  const downloading = rep.waitForEvent('download');
  await rep.getByRole('button', { name: 'Export transcript' }).click();
  return JSON.parse(await textOf(await downloading)) as Record<string, unknown>;
}
