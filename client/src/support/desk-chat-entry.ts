/**
 * The portal's on-demand chunk: the queue connection (socket.io, sealing) and the chat screen
 * (WebRTC, crypto). Loaded once the customer is on the way to the queue, so the form paints with
 * a fraction of the JavaScript.
 */
export { createPortalBackend } from './desk-backend.svelte.ts';
export { default as DeskChat } from './DeskChat.svelte';
