import { describe, expect, it } from 'vitest';
import { parseUserAgent } from '../../client/src/lib/user-agent.ts';
import { emptyForm, initialQueue, loadSavedForm, saveForm, validateForm, SUPPORT_FORM_KEY } from '../../client/src/lib/support-form.ts';
import { requestedQueue, takeSignedToken } from '../../client/src/lib/support-entry.ts';

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

describe('parseUserAgent', () => {
  const cases: [string, string, string][] = [
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'Chrome 131', 'Windows 10/11'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86', 'Edge 131', 'Windows 10/11'],
    ['Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox 133', 'Ubuntu'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15', 'Safari 18', 'macOS 10.15'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1', 'Safari 17', 'iOS 17.6'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1', 'Chrome 131', 'iOS 17.6'],
    ['Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36', 'Samsung Internet 26', 'Android 14'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0', 'Opera 115', 'Windows 10/11'],
    ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'Chrome 131', 'ChromeOS'],
    ['Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko', 'Internet Explorer 11', 'Windows 7'],
  ];
  it.each(cases)('%s', (ua, browser, os) => expect(parseUserAgent(ua)).toEqual({ browser, os }));
  it('says Other for what it does not know, and never throws', () => {
    expect(parseUserAgent('')).toEqual({ browser: 'Other', os: 'Other' });
    expect(parseUserAgent('curl/8.5.0')).toEqual({ browser: 'Other', os: 'Other' });
    expect(parseUserAgent('x'.repeat(100_000)).browser).toBe('Other');
  });
});

describe('support form', () => {
  const queues = ['general', 'billing'];
  it('names every missing field', () => {
    expect(validateForm(emptyForm(), queues)).toEqual({
      name: 'support.error.name.required',
      description: 'support.error.description.required',
      queue: 'support.error.queue.required',
    });
  });
  it('accepts a complete form with or without an e-mail; blanks count as empty', () => {
    expect(validateForm({ name: 'Ada', email: '', description: 'Help', queue: 'general' }, queues)).toEqual({});
    expect(validateForm({ name: 'Ada', email: ' ada@example.org ', description: 'Help', queue: 'billing' }, queues)).toEqual({});
    expect(validateForm({ name: '   ', email: '', description: '\n', queue: 'general' }, queues)).toMatchObject({ name: 'support.error.name.required', description: 'support.error.description.required' });
  });
  it('refuses malformed e-mails, over-long fields and unknown queues', () => {
    for (const email of ['ada', 'ada@', '@example.org', 'ada@example', 'a da@example.org', 'ada@@example.org', 'ada@example..org']) {
      expect(validateForm({ name: 'Ada', email, description: 'x', queue: 'general' }, queues).email, email).toBe('support.error.email.invalid');
    }
    expect(validateForm({ name: 'A'.repeat(81), email: `${'a'.repeat(250)}@x.org`, description: 'x'.repeat(1001), queue: 'sales' }, queues)).toEqual({
      name: 'support.error.name.long',
      email: 'support.error.email.long',
      description: 'support.error.description.long',
      queue: 'support.error.queue.required',
    });
  });
  it('preselects ?queue= when it exists, else the only queue', () => {
    expect(initialQueue('billing', queues)).toBe('billing');
    expect(initialQueue('nope', queues)).toBe('');
    expect(initialQueue(null, ['general'])).toBe('general');
    expect(initialQueue(null, queues)).toBe('');
  });
  it('keeps the form in storage and survives damaged or blocked storage', () => {
    const storage = memoryStorage();
    saveForm({ name: 'Ada', email: '', description: 'Help', queue: 'general' }, storage);
    expect(loadSavedForm(storage)).toEqual({ name: 'Ada', email: '', description: 'Help', queue: 'general' });
    storage.data.set(SUPPORT_FORM_KEY, '{not json');
    expect(loadSavedForm(storage)).toBeNull();
    storage.data.set(SUPPORT_FORM_KEY, JSON.stringify({ name: 42, description: 'kept' }));
    expect(loadSavedForm(storage)).toEqual({ name: '', email: '', description: 'kept', queue: '' });
    const blocked = { getItem: () => { throw new Error('SecurityError'); }, setItem: () => { throw new Error('QuotaExceeded'); } };
    expect(loadSavedForm(blocked)).toBeNull();
    expect(() => saveForm(emptyForm(), blocked)).not.toThrow();
  });
});

describe('portal address', () => {
  it('reads ?queue=', () => {
    expect(requestedQueue('?queue=billing&lang=fr')).toBe('billing');
    expect(requestedQueue('')).toBeNull();
  });
  it('takes the signed token from the fragment, removes it from the address and keeps it for the tab', () => {
    const storage = memoryStorage();
    const replaced: string[] = [];
    const history = { replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)) };
    const token = takeSignedToken({ hash: '#signed=v1.abc.def', pathname: '/support', search: '?queue=billing' }, history, storage);
    expect(token).toBe('v1.abc.def');
    expect(replaced).toEqual(['/support?queue=billing']);
    // After a reload the fragment is gone, the tab still has the token.
    expect(takeSignedToken({ hash: '', pathname: '/support', search: '' }, history, storage)).toBe('v1.abc.def');
  });
  it('drops an oversized token rather than pass on one that cannot be valid', () => {
    const storage = memoryStorage();
    expect(takeSignedToken({ hash: `#signed=${'a'.repeat(1201)}`, pathname: '/support', search: '' }, undefined, storage)).toBeUndefined();
    expect(storage.data.size).toBe(0);
  });
});
