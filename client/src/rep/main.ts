import { mount } from 'svelte';
import '../ui/theme.css';
import RepApp from './RepApp.svelte';
import { i18n } from '../lib/i18n/index.svelte.ts';

document.documentElement.lang = i18n.locale;
mount(RepApp, { target: document.getElementById('app')! });
