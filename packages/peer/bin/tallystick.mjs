#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in ../dist. Every command flushes its documents to disk before it
// returns, so the process exits then, without waiting for automerge-repo's idle save timers.
import { main } from '../dist/main.js';

main(process.argv).then(
  (code) => exit(code),
  (error) => {
    process.stderr.write(`tallystick: internal error (please report it): ${error instanceof Error ? error.stack : String(error)}\n`);
    exit(70);
  },
);

function exit(code) {
  // Let pending stdout/stderr writes drain (pipes are asynchronous) before exiting.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
