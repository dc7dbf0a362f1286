/**
 * The portal's request form as data: what the customer typed, its checks, and its copy in
 * sessionStorage, so a reload, a refused agreement or a failed request never loses a word.
 * The copy is dropped once a rep has accepted (the details went, sealed, to the reps).
 */
import { CUSTOMER_LIMITS } from '@protocol/limits.ts';
import type { MessageKey } from './i18n/en.ts';

export interface SupportForm {
  name: string;
  email: string;
  description: string;
  queue: string;
}

export type SupportField = keyof SupportForm;
/** Each field's problem, as a message key (translated where shown). */
export type SupportFormErrors = Partial<Record<SupportField, MessageKey>>;

export const SUPPORT_FORM_KEY = 'parley.support.form';

/** Something@something.tld, no spaces: what a mail server could deliver to, checked loosely on purpose. */
const EMAIL_RE = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

export function emptyForm(queue = ''): SupportForm {
  return { name: '', email: '', description: '', queue };
}

export function validateForm(form: SupportForm, queueIds: readonly string[]): SupportFormErrors {
  const errors: SupportFormErrors = {};
  const name = form.name.trim();
  if (!name) errors.name = 'support.error.name.required';
  else if (name.length > CUSTOMER_LIMITS.name) errors.name = 'support.error.name.long';
  const email = form.email.trim();
  if (email.length > CUSTOMER_LIMITS.email) errors.email = 'support.error.email.long';
  else if (email && !EMAIL_RE.test(email)) errors.email = 'support.error.email.invalid';
  const description = form.description.trim();
  if (!description) errors.description = 'support.error.description.required';
  else if (description.length > CUSTOMER_LIMITS.description) errors.description = 'support.error.description.long';
  if (!queueIds.includes(form.queue)) errors.queue = 'support.error.queue.required';
  return errors;
}

/** The queue to preselect: `?queue=` when it exists, else the only queue, else none (the customer picks). */
export function initialQueue(requested: string | null, queueIds: readonly string[]): string {
  if (requested && queueIds.includes(requested)) return requested;
  return queueIds.length === 1 ? queueIds[0]! : '';
}

export function loadSavedForm(storage: Pick<Storage, 'getItem'> | undefined = globalThis.sessionStorage): SupportForm | null {
  try {
    const raw = storage?.getItem(SUPPORT_FORM_KEY);
    if (!raw) return null;
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const record = value as Record<string, unknown>;
    const field = (key: SupportField) => (typeof record[key] === 'string' ? (record[key] as string) : '');
    return { name: field('name'), email: field('email'), description: field('description'), queue: field('queue') };
  } catch {
    return null; // blocked storage or a damaged copy: start with an empty form
  }
}

export function saveForm(form: SupportForm, storage: Pick<Storage, 'setItem'> | undefined = globalThis.sessionStorage): void {
  try {
    storage?.setItem(SUPPORT_FORM_KEY, JSON.stringify(form));
  } catch {
    // storage blocked or full: the form still holds the text in memory
  }
}

export function forgetForm(storage: Pick<Storage, 'removeItem'> | undefined = globalThis.sessionStorage): void {
  try {
    storage?.removeItem(SUPPORT_FORM_KEY);
  } catch {
    // nothing to do
  }
}
