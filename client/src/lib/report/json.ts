/**
 * The session report as JSON, for machines (ticketing systems, archives). Text is kept
 * exactly as typed; system events carry both their key and parameters (stable, for code) and
 * their text in the report's language (for people). Absent values are null.
 */
import { translate } from '../i18n/index.svelte.ts';
import { describeUserAgent } from './device.ts';
import { buildReport, iso, type ReportInput } from './model.ts';

/** Bumped only for incompatible changes; new fields may appear within a version. */
export const JSON_REPORT_FORMAT = 'parley-session-report/1';

export function toJsonReport(input: ReportInput): string {
  const report = buildReport(input);
  const { session } = report;
  return JSON.stringify(
    {
      format: JSON_REPORT_FORMAT,
      session: {
        id: session.id,
        role: session.role,
        startedAt: iso(session.startedAt),
        endedAt: iso(session.endedAt),
        durationSeconds: report.durationMs !== undefined ? Math.round(report.durationMs / 1000) : null,
        outcome: session.outcome ?? null,
        outcomeText: translate(report.locale, report.outcome.key, report.outcome.params),
        ownName: session.ownName,
        peerName: session.peerName ?? null,
        customerDevice: describeUserAgent(report.customerUserAgent) ?? null,
        customerBrowser: report.device?.browser ?? null,
        customerOs: report.device?.os ?? null,
        customerUserAgent: report.customerUserAgent ?? null,
        customerLocale: report.customerLocale ?? null,
        customerRequest: report.request ?? null,
        safetyCode: session.safetyCode ?? null,
      },
      // A customer's copy has no notes at all (not even an empty string).
      ...(report.notes !== undefined ? { notes: report.notes } : {}),
      events: report.entries.map((e) =>
        e.kind === 'chat'
          ? { seq: e.seq, at: iso(e.at), kind: 'chat', id: e.id, from: e.from, name: e.name, text: e.text, delivered: e.own ? e.delivered : undefined }
          : { seq: e.seq, at: iso(e.at), kind: 'system', level: e.level, key: e.key, params: e.params, text: e.text },
      ),
    },
    null,
    2,
  );
}
