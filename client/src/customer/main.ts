import { mount } from 'svelte';
import '../ui/theme.css';
import CustomerApp from './CustomerApp.svelte';
import { i18n } from '../lib/i18n/index.svelte.ts';

document.documentElement.lang = i18n.locale;
mount(CustomerApp, { target: document.getElementById('app')! });
