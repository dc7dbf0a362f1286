import { mount } from 'svelte';
import '../ui/theme.css';
import AdminApp from './AdminApp.svelte';
import { i18n, loadLocale } from '../lib/i18n/index.svelte.ts';

document.documentElement.lang = i18n.locale;
await loadLocale(i18n.locale).catch(() => i18n.setLocale('en'));
mount(AdminApp, { target: document.getElementById('app')! });
