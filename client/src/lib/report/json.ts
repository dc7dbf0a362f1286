/**
 * The session report as JSON, for machines (ticketing systems, archives). Text is kept
 * exactly as typed; system events carry both their key and parameters (stable, for code) and
 * their text in the report's language (for people). Absent values are null.
 */
import { translate } from '../i18n/index.svelte.ts';
import { describeDevice } from './details.ts';
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
        customerDevice: (session.role === 'rep' ? describeDevice(session) : undefined) ?? null,
        customerBrowser: report.device?.browser ?? (session.role === 'rep' ? session.peerBrowser : undefined) ?? null,
        customerOs: report.device?.os ?? (session.role === 'rep' ? session.peerOs : undefined) ?? null,
        customerUserAgent: report.customerUserAgent ?? null,
        customerLocale: report.customerLocale ?? null,
        customerRequest: report.request ?? null,
        queue: session.queue ?? null,
        customerEmail: session.role === 'rep' ? session.peerEmail ?? null : null,
        customerVerified: session.role === 'rep' ? session.peerVerified ?? null : null,
        recordingConsent: session.recordingConsent ?? null,
        safetyCode: session.safetyCode ?? null,
      },
      // A customer's copy has no notes at all (not even an empty string).
      ...(report.notes !== undefined ? { notes: report.notes } : {}),
      // Only a rep's copy of a session that asked the exit survey.
      ...(report.survey !== undefined ? { survey: report.survey } : {}),
      events: report.entries.map((e) =>
        e.kind === 'chat'
          ? { seq: e.seq, at: iso(e.at), kind: 'chat', id: e.id, from: e.from, name: e.name, text: e.text, delivered: e.own ? e.delivered : undefined, private: e.private || undefined }
          : { seq: e.seq, at: iso(e.at), kind: 'system', level: e.level, key: e.key, params: e.params, text: e.text, private: e.private || undefined },
      ),
    },
    null,
    2,
  );
}
