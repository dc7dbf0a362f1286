import { afterEach, describe, expect, it, vi } from 'vitest';
import * as v from 'valibot';
import { ParleyError } from '../../protocol/errors.ts';
import { DeskConfigSchema, type PortalView } from '../../protocol/desk-config.ts';
import type { CustomerDetails } from '../../protocol/customer-details.ts';
import { PortalFlow, type QueueListener } from '../../client/src/lib/portal-flow.svelte.ts';
import type { DeskTicket } from '../../client/src/lib/desk-request.svelte.ts';
import { DESK_TICKET_KEY, forgetTicket, loadTicket, saveTicket, type SavedTicket } from '../../client/src/lib/desk-ticket-store.ts';
import { SUPPORT_FORM_KEY } from '../../client/src/lib/support-form.ts';

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
  resumed: (DeskTicket | undefined)[] = [];
  async request(details: CustomerDetails, listener: QueueListener, resume?: DeskTicket) {
    this.resumed.push(resume);
    if (this.refuse) throw this.refuse;
    this.requests.push(details);
    this.listener = listener;
    return { cancel: async () => void this.cancelled++, close: () => void this.closed++ };
  }
}

function makeFlow(portalView: PortalView, options: { canAsk?: boolean; signed?: string; saved?: SavedTicket | null; savedChat?: boolean } = {}) {
  const backend = new FakeBackend();
  const forgotten = { count: 0 };
  const flow = new PortalFlow({
    backend: async () => backend,
    fetchView: async () => portalView,
    platform: { browser: 'Firefox 140', os: 'Linux' },
    requestedQueue: null,
    canAskNotifications: () => options.canAsk ?? false,
    ...(options.signed ? { signed: options.signed } : {}),
    savedTicket: () => options.saved ?? null,
    savedChat: () => options.savedChat ?? false,
    forgetTicket: () => void forgotten.count++,
  });
  return { flow, backend, forgotten };
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

/** A Storage over a Map (the tab's sessionStorage). */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (key) => map.get(key) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (key) => void map.delete(key),
    setItem: (key, value) => void map.set(key, String(value)),
  };
}

const TICKET: DeskTicket = { requestId: REQUEST_ID, requestToken: 'T'.repeat(22) };

describe('a reload while waiting', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('takes the kept request back with the kept consent and signed token, and shows the wait again', async () => {
    const storage = memoryStorage();
    vi.stubGlobal('sessionStorage', storage);
    storage.setItem(SUPPORT_FORM_KEY, JSON.stringify({ name: 'Ada', email: '', description: 'Printer on fire', queue: 'general' }));
    const { flow, backend } = makeFlow(view(), { saved: { ticket: TICKET, recordingConsent: false, signed: 'v1.token' } });
    await flow.load();
    await settle();
    expect(backend.resumed).toEqual([TICKET]);
    expect(backend.requests[0]).toMatchObject({ name: 'Ada', recordingConsent: false, signed: 'v1.token' });
    backend.listener!.waiting({ position: 2, waitSeconds: 60, repsAvailable: 1 });
    expect(flow.step).toBe('waiting');
    expect(flow.waiting?.position).toBe(2);
  });

  it('a kept request that is over: back on the form with the reason and the text, the ticket forgotten', async () => {
    const storage = memoryStorage();
    vi.stubGlobal('sessionStorage', storage);
    storage.setItem(SUPPORT_FORM_KEY, JSON.stringify({ name: 'Ada', email: '', description: 'Printer on fire', queue: 'general' }));
    const { flow, backend, forgotten } = makeFlow(view(), { saved: { ticket: TICKET } });
    backend.refuse = new ParleyError('REQUEST_GONE');
    await flow.load();
    await settle();
    expect(flow.step).toBe('form');
    expect(flow.requestError).toBe('REQUEST_GONE');
    expect(flow.form.description).toBe('Printer on fire');
    expect(forgotten.count).toBeGreaterThan(0);
  });

  it('no kept form (nothing was typed in this tab): the ticket is dropped, no request', async () => {
    const { flow, backend, forgotten } = makeFlow(view(), { saved: { ticket: TICKET } });
    await flow.load();
    await settle();
    expect(backend.resumed).toEqual([]);
    expect(flow.step).toBe('form');
    expect(forgotten.count).toBe(1);
  });

  it('the ticket store keeps a valid ticket and refuses damaged or tampered copies', () => {
    const storage = memoryStorage();
    saveTicket({ ticket: TICKET, recordingConsent: true, signed: 'v1.token' }, storage);
    expect(loadTicket(storage)).toEqual({ ticket: TICKET, recordingConsent: true, signed: 'v1.token' });
    for (const bad of ['{not json', JSON.stringify({ requestId: 'short', requestToken: TICKET.requestToken }), JSON.stringify({ ...TICKET, signed: 'x'.repeat(1201) }), 'null']) {
      storage.setItem(DESK_TICKET_KEY, bad);
      expect(loadTicket(storage)).toBeNull();
    }
    forgetTicket(storage);
    expect(storage.getItem(DESK_TICKET_KEY)).toBeNull();
    expect(loadTicket(undefined)).toBeNull();
  });
});

describe('a reload during a chat', () => {
  it('goes straight back to the chat screen (which rejoins), the exit survey still known; nothing kept: the form', async () => {
    const { flow, backend } = makeFlow(view({}, [{ id: 'r', kind: 'rating', text: 'How?' }]), { savedChat: true, saved: { ticket: TICKET } });
    await flow.load();
    expect(flow.step).toBe('chat');
    expect(flow.accepted).toBeNull();
    expect(backend.resumed).toEqual([]); // no queue request: the chat is rejoined, not requested again
    expect(flow.exitSurvey.map((q) => q.id)).toEqual(['r']);
    flow.chatLost();
    expect(flow.step).toBe('form');
  });
});
