/**
 * Everything a live session needs (socket.io, WebRTC, crypto, validators), in one module the
 * customer page loads on demand: the join form paints with a fraction of the JavaScript, and
 * this chunk arrives while the customer types the code.
 */
export { Portal } from './portal.ts';
export { SessionView } from './session-view.svelte.ts';
export { loadResumeState, clearResumeState } from './resume-state.ts';
export { default as CustomerSession } from '../customer/CustomerSession.svelte';
export { warmUpFormats } from './files/format.ts';
