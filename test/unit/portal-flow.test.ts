import { afterEach, describe, expect, it, vi } from 'vitest';
import * as v from 'valibot';
import { ParleyError } from '../../protocol/errors.ts';
import { DeskConfigSchema, type PortalView } from '../../protocol/desk-config.ts';
import type { CustomerDetails } from '../../protocol/customer-details.ts';
import { PortalFlow, type QueueListener } from '../../client/src/lib/portal-flow.svelte.ts';

const REQUEST_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const SID = 'S'.repeat(43);

function view(portal: Record<string, unknown> = {}, survey: unknown[] = []): PortalView {
  const config = v.parse(DeskConfigSchema, { portal, survey });
  return { queues: config.queues, portal: config.portal, survey: config.survey };
}

class FakeBackend {
  requests: CustomerDetails[] = [];
  listener: QueueListener | null = null;
  cancelled = 0;
  closed = 0;
  refuse: ParleyError | null = null;
  async request(details: CustomerDetails, listener: QueueListener) {
    if (this.refuse) throw this.refuse;
    this.requests.push(details);
    this.listener = listener;
    return { cancel: async () => void this.cancelled++, close: () => void this.closed++ };
  }
}

function makeFlow(portalView: PortalView, options: { canAsk?: boolean; signed?: string } = {}) {
  const backend = new FakeBackend();
  const flow = new PortalFlow({
    backend: async () => backend,
    fetchView: async () => portalView,
    platform: { browser: 'Firefox 140', os: 'Linux' },
    requestedQueue: null,
    canAskNotifications: () => options.canAsk ?? false,
    ...(options.signed ? { signed: options.signed } : {}),
  });
  return { flow, backend };
}

async function filled(flow: PortalFlow) {
  await flow.load();
  flow.form = { name: ' Ada ', email: '', description: 'Printer on fire', queue: 'general' };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => vi.useRealTimers());

describe('PortalFlow', () => {
  it('without agreement, consent or notifications, Start chat queues at once with the details, platform and token', async () => {
    const { flow, backend } = makeFlow(view(), { signed: 'v1.token' });
    await filled(flow);
    expect(flow.form.queue).toBe('general'); // the only queue is preselected
    expect(flow.submit()).toBe(true);
    await settle();
    expect(flow.step).toBe('waiting');
    expect(backend.requests).toEqual([{ name: 'Ada', description: 'Printer on fire', queue: 'general', browser: 'Firefox 140', os: 'Linux', signed: 'v1.token' }]);
    backend.listener!.waiting({ position: 2, waitSeconds: null, repsAvailable: 0 });
    expect(flow.waiting).toEqual({ position: 2, waitSeconds: null, repsAvailable: 0 });
  });

  it('an invalid form stays on the form with its errors and sends nothing', async () => {
    const { flow, backend } = makeFlow(view());
    await flow.load();
    expect(flow.submit()).toBe(false);
    expect(flow.step).toBe('form');
    expect(flow.errors.name).toBe('support.error.name.required');
    flow.form.name = 'Ada';
    flow.edited('name');
    expect(flow.errors.name).toBeUndefined();
    expect(backend.requests).toEqual([]);
  });

  it('agreement → refusal ends the request without sending; start over keeps the form', async () => {
    const { flow, backend } = makeFlow(view({ agreement: 'Terms', askRecordingConsent: true }));
    await filled(flow);
    flow.submit();
    expect(flow.step).toBe('agreement');
    flow.answerConsent(true); // out of order: ignored
    expect(flow.step).toBe('agreement');
    flow.refuse();
    expect(flow.step).toBe('refused');
    await settle();
    expect(backend.requests).toEqual([]);
    flow.startOver();
    expect(flow.step).toBe('form');
    expect(flow.form.description).toBe('Printer on fire');
  });

  it('agreement → consent → notifications → queue; the consent answer goes into the details', async () => {
    const { flow, backend } = makeFlow(view({ agreement: 'Terms', askRecordingConsent: true }), { canAsk: true });
    await filled(flow);
    flow.submit();
    flow.agree();
    expect(flow.step).toBe('consent');
    flow.answerConsent(false);
    expect(flow.step).toBe('notify');
    flow.notificationsAnswered();
    await settle();
    expect(flow.step).toBe('waiting');
    expect(backend.requests[0]!.recordingConsent).toBe(false);
  });

  it('a refused request goes back to the form with the reason and the text', async () => {
    const { flow, backend } = makeFlow(view());
    backend.refuse = new ParleyError('UNKNOWN_QUEUE', 'gone');
    await filled(flow);
    flow.submit();
    await settle();
    expect(flow.step).toBe('form');
    expect(flow.requestError).toBe('UNKNOWN_QUEUE');
    expect(flow.form.name).toBe(' Ada ');
  });

  it('leaving from a notice cancels the request and skips the survey; "Leave queue" too (there is no chat)', async () => {
    const { flow, backend } = makeFlow(view({ notices: [{ id: 'a', text: 'Known', enabled: true }, { id: 'b', text: 'Off', enabled: false }] }, [{ id: 'r', kind: 'rating', text: 'How?' }]));
    await filled(flow);
    expect(flow.activeNotices.map((n) => n.id)).toEqual(['a']);
    flow.submit();
    await settle();
    await flow.leave(true);
    expect(flow.step).toBe('left');
    expect(flow.leftFromNotice).toBe(true);
    expect(backend.cancelled).toBe(1);
    expect(backend.closed).toBe(1);
    // A late update for the cancelled request changes nothing.
    backend.listener!.accepted({ requestId: REQUEST_ID, sid: SID, repName: 'Bob', iceServers: [] } as never);
    expect(flow.step).toBe('left');
  });

  it('accepted → chat → done; the exit survey for a customer who ends is the configured one, none after leaving from a notice', async () => {
    const questions = [{ id: 'r', kind: 'rating', text: 'How?' }];
    const { flow, backend } = makeFlow(view({}, questions));
    await filled(flow);
    flow.submit();
    await settle();
    backend.listener!.accepted({ requestId: REQUEST_ID, sid: SID, repName: 'Bob', iceServers: [] } as never);
    expect(flow.step).toBe('chat');
    expect(flow.accepted?.repName).toBe('Bob');
    expect(flow.exitSurvey.map((q) => q.id)).toEqual(['r']);
    flow.chatEnded();
    expect(flow.step).toBe('done');
    flow.leftFromNotice = true;
    expect(flow.exitSurvey).toEqual([]);
  });

  it('orphaned: the orphan screen; connection lost for good: back to the form with the reason', async () => {
    const { flow, backend } = makeFlow(view());
    await filled(flow);
    flow.submit();
    await settle();
    backend.listener!.orphaned();
    expect(flow.step).toBe('orphaned');
    expect(backend.closed).toBe(1);
    flow.newChat();
    expect(flow.step).toBe('form');
    expect(flow.form.description).toBe('Printer on fire');
    flow.submit();
    await settle();
    backend.listener!.failed('SERVER_UNREACHABLE');
    expect(flow.step).toBe('form');
    expect(flow.requestError).toBe('SERVER_UNREACHABLE');
  });

  it('repeats the hold message at its interval while waiting, keeping the last five, and stops after', async () => {
    vi.useFakeTimers();
    const { flow, backend } = makeFlow(view({ holdMessage: 'Please hold', holdIntervalSeconds: 10 }));
    await filled(flow);
    flow.submit();
    await vi.advanceTimersByTimeAsync(0);
    backend.listener!.waiting({ position: 1, waitSeconds: 30, repsAvailable: 1 });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(flow.holdLines).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(flow.holdLines).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(flow.holdLines).toHaveLength(5);
    await flow.leave();
    const before = flow.holdLines.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(flow.holdLines).toHaveLength(before);
  });

  it('a failed page load says so and can be retried', async () => {
    let fail = true;
    const flow = new PortalFlow({
      backend: async () => new FakeBackend(),
      fetchView: async () => {
        if (fail) throw new Error('offline');
        return view();
      },
      platform: { browser: 'Other', os: 'Other' },
      requestedQueue: null,
      canAskNotifications: () => false,
    });
    await flow.load();
    expect(flow.step).toBe('load-failed');
    fail = false;
    await flow.load();
    expect(flow.step).toBe('form');
  });
});
