import '../ui/theme.css';
import { mountApp } from '../ui/mount-app.ts';
import AdminApp from './AdminApp.svelte';
import { i18n, loadLocale } from '../lib/i18n/index.svelte.ts';

document.documentElement.lang = i18n.locale;
await loadLocale(i18n.locale).catch(() => i18n.setLocale('en'));
mountApp(AdminApp);
