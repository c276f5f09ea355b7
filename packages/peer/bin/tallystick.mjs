#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in ../dist. Kept as .mjs so `npx tallystick` starts fast.
import { main } from '../dist/main.js';

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (error) => {
    process.stderr.write(`tallystick: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 70;
  },
);
