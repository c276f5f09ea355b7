import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './packages/peer/src/service/protocol.js';

/**
 * The built page carries the CSP itself (Electron loads it from a file, where no header is sent);
 * frame-ancestors works only as a header, which the browser mode sends.
 */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'tallystick-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY.split('; ').filter((directive) => !directive.startsWith('frame-ancestors')).join('; ') }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  main: {
    // The workspace packages (and Automerge's wasm under them) load from node_modules at run time.
    build: {
      externalizeDeps: { include: ['@tallystick/core', '@tallystick/sync', '@tallystick/peer'] },
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/main/index.ts') } },
    },
  },
  preload: {
    // A sandboxed preload is loaded as a classic script: CommonJS, no imports left at run time.
    build: {
      externalizeDeps: false,
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    base: './',
    plugins: [react(), contentSecurityPolicy()],
    build: { minify: true, rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') } } },
  },
});
