/**
 * Mounts a page's app, or, on a page that is not a secure context (plain HTTP from another
 * computer), a translated explanation instead: Web Crypto, screen sharing and notifications
 * exist only in secure contexts, and Parley would otherwise fail in the middle of a session.
 */
import { mount, type Component } from 'svelte';
import InsecurePage from './InsecurePage.svelte';

export function mountApp(app: Component): void {
  const target = document.getElementById('app')!;
  mount(globalThis.isSecureContext === false ? InsecurePage : app, { target });
}
