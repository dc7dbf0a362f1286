import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';

// Two pages: the customer page at `/` and the rep console at `/rep/`.
// The signaling server (signaling/main.ts) serves client/dist on the same port.
export default defineConfig({
  root: resolve(import.meta.dirname, 'client'),
  plugins: [svelte()],
  resolve: {
    alias: { '@protocol': resolve(import.meta.dirname, 'protocol') },
  },
  build: {
    outDir: resolve(import.meta.dirname, 'client/dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        customer: resolve(import.meta.dirname, 'client/index.html'),
        rep: resolve(import.meta.dirname, 'client/rep/index.html'),
      },
    },
  },
  server: {
    proxy: { '/socket.io': { target: 'http://localhost:8080', ws: true } },
  },
});
