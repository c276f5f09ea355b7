import tseslint from 'typescript-eslint';

const impure = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'net', 'crypto', 'http', 'https', 'worker_threads'];
const frameworks = ['@automerge/*', 'libp2p', '@libp2p/*', '@chainsafe/*', 'electron', 'react', 'react-dom', '@tallystick/sync', '@tallystick/peer'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'out/**', 'coverage/**', 'test-artifacts/**', 'bench/.data/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // The one-way rule: core is pure. No IO, no clock, no framework.
    files: ['packages/core/src/**/*.ts'],
    ignores: ['packages/core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: [...impure, ...frameworks], message: 'packages/core is pure: no IO, Automerge, libp2p, Electron, React or node: imports (see docs/ARCHITECTURE.md).' }],
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'core does no IO' },
        { name: 'fetch', message: 'core does no IO' },
        { name: 'setTimeout', message: 'core takes time as an argument' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'core never reads the clock: take the time as an argument' },
        { object: 'Math', property: 'random', message: 'core never reads a random source: take it as an argument' },
      ],
    },
  },
  {
    // Nothing imports the app, and sync never imports the CLI.
    files: ['packages/sync/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@tallystick/peer', '**/src/main/**', '**/src/renderer/**'], message: 'sync depends on core only' }] }] },
  },
  {
    // The app's renderer runs in a sandboxed page (Electron or a browser): no Node, no Electron, no storage;
    // it reaches the books only through the preload's API or the loopback HTTP API.
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: [...impure, 'electron', '@automerge/*', '@tallystick/*'], message: 'the renderer runs in a sandboxed page: no node:, Electron, storage or service code (types from packages/peer/src/service/protocol.ts only).' }],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'the renderer has no Node' }, { name: 'require', message: 'the renderer has no Node' }],
    },
  },
);
