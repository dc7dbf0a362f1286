import '../ui/theme.css';
import { mountApp } from '../ui/mount-app.ts';
import SupportApp from './SupportApp.svelte';
import { i18n, loadLocale, type Locale } from '../lib/i18n/index.svelte.ts';

// `?lang=fr` (the embeddable button passes the site's language) wins over the saved choice.
const asked = new URLSearchParams(location.search).get('lang');
if (asked === 'en' || asked === 'fr') await i18n.setLocale(asked as Locale).catch(() => {});
document.documentElement.lang = i18n.locale;
// Show the first screen in the reader's language, not English then a flash of French.
await loadLocale(i18n.locale).catch(() => i18n.setLocale('en'));
mountApp(SupportApp);
