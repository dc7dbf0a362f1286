import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';

// Pages: the customer page at `/`, the rep console at `/rep/`, its admin page at `/rep/admin/`, the customer portal at `/support/`.
// The signaling server (signaling/main.ts) serves client/dist on the same port.
export default defineConfig({
  root: resolve(import.meta.dirname, 'client'),
  plugins: [svelte()],
  resolve: {
    alias: [
      { find: '@protocol', replacement: resolve(import.meta.dirname, 'protocol') },
      // simple-peer's debug logging is dead weight in the browser.
      { find: /^debug$/, replacement: resolve(import.meta.dirname, 'client/src/lib/stubs/debug.ts') },
      { find: /^text-decoder$/, replacement: resolve(import.meta.dirname, 'client/src/lib/stubs/text-decoder.cjs') },
      // The unrolled "fast" build: files are sealed in bulk, and the small build (3.8 kB less
      // gzipped) seals ~10× slower, which held file transfer to about half of the data channel's speed.
      { find: /^tweetnacl$/, replacement: 'tweetnacl/nacl-fast.js' },
    ],
  },
  build: {
    outDir: resolve(import.meta.dirname, 'client/dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        customer: resolve(import.meta.dirname, 'client/index.html'),
        rep: resolve(import.meta.dirname, 'client/rep/index.html'),
        admin: resolve(import.meta.dirname, 'client/rep/admin/index.html'),
        support: resolve(import.meta.dirname, 'client/support/index.html'),
      },
    },
  },
  server: {
    proxy: { '/socket.io': { target: 'http://localhost:8080', ws: true }, '/api': 'http://localhost:8080' },
  },
});
