/// <reference types="node" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The console is served by kaas under /console/ and calls the API on the same origin. */
export default defineConfig({
  root: here,
  base: '/console/',
  // No React plugin is installed: esbuild compiles JSX with the automatic runtime.
  esbuild: { jsx: 'automatic', jsxImportSource: 'react' },
  build: { outDir: 'dist', emptyOutDir: true },
});
