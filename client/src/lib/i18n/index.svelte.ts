import { en, type MessageKey } from './en.ts';

export type Locale = 'en' | 'fr';
export const LOCALES: readonly { code: Locale; label: string }[] = [
  { code: 'en', label: 'English' },
  { code: 'fr', label: 'Français' },
];
type Catalogue = Record<MessageKey, string>;
/** English is built in; other languages load on demand so a page only carries the one it shows. */
const catalogues: Partial<Record<Locale, Catalogue>> = { en };
const loaders: Record<Locale, () => Promise<Catalogue>> = {
  en: async () => en,
  fr: async () => (await import('./fr.ts')).fr,
};

/** Loads a language's catalogue (once). Call before showing text in it. */
export async function loadLocale(locale: Locale): Promise<void> {
  catalogues[locale] ??= await loaders[locale]();
}
const STORAGE_KEY = 'parley.locale';

/** Picks the saved choice, else the first browser language we have, else English. */
function detectLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'fr') return saved;
  } catch {
    // storage may be blocked (private mode): fall through to the browser language
  }
  const languages = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language];
  for (const lang of languages) {
    const base = lang.toLowerCase().split('-')[0];
    if (base === 'fr' || base === 'en') return base;
  }
  return 'en';
}

class I18n {
  locale = $state<Locale>(detectLocale());

  async setLocale(locale: Locale): Promise<void> {
    await loadLocale(locale);
    this.locale = locale;
    document.documentElement.lang = locale;
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      // not fatal: the choice just won't be remembered
    }
  }
}

export const i18n = new I18n();

/** Translates `key` in the current locale, filling `{name}` placeholders from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return translate(i18n.locale, key, params);
}

export function translate(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  // A stored event may name a key this build lacks (written by a newer version): show the key, never throw.
  const template = catalogues[locale]?.[key] ?? en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
}

// Building an Intl.DateTimeFormat costs far more than using one: keep one per locale and style.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(style: 'time' | 'datetime'): Intl.DateTimeFormat {
  const key = `${i18n.locale}:${style}`;
  let format = formatters.get(key);
  if (!format) {
    const options: Intl.DateTimeFormatOptions =
      style === 'time' ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { dateStyle: 'medium', timeStyle: 'medium' };
    formatters.set(key, (format = new Intl.DateTimeFormat(i18n.locale, options)));
  }
  return format;
}

export function formatTime(ms: number): string {
  return formatter('time').format(ms);
}

export function formatDateTime(ms: number): string {
  return formatter('datetime').format(ms);
}

export type { MessageKey };
