import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';

export default defineConfig({
  // The svelte plugin compiles runes in `.svelte.ts` modules (e.g. i18n) that client lib code imports.
  plugins: [svelte({ configFile: false })],
  resolve: {
    alias: { '@protocol': resolve(import.meta.dirname, 'protocol') },
  },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
