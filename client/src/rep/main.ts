import '../ui/theme.css';
import { mountApp } from '../ui/mount-app.ts';
import RepGate from './RepGate.svelte';
import { i18n, loadLocale } from '../lib/i18n/index.svelte.ts';

document.documentElement.lang = i18n.locale;
// Show the first screen in the reader's language, not English then a flash of French.
await loadLocale(i18n.locale).catch(() => i18n.setLocale('en'));
mountApp(RepGate);
