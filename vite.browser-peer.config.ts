import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The browser peer (src/browser-peer): the sync layer bundled for a page. automerge-repo's full entry
 * loads Automerge's wasm through ESM integration, which vite does not do without plugins; the slim
 * entry takes the wasm file's URL instead (main.ts awaits initializeWasm), so every import of the full
 * entries (ours in packages/sync included) is pointed at the slim ones.
 */
export default defineConfig({
  root: resolve(import.meta.dirname, 'src/browser-peer'),
  base: './',
  resolve: {
    alias: [
      { find: /^@automerge\/automerge-repo$/u, replacement: '@automerge/automerge-repo/slim' },
      { find: /^@automerge\/automerge$/u, replacement: '@automerge/automerge/slim' },
    ],
  },
  build: {
    // Not under out/: electron-vite empties out/ whenever the app is built, as other browser tests do meanwhile.
    outDir: resolve(import.meta.dirname, 'dist/browser-peer'),
    emptyOutDir: true,
    target: 'es2023',
  },
});
