#!/usr/bin/env node
// `npm start`: builds the app, then opens it in Electron when its binary is installed, otherwise serves
// it to a browser (`tallystick ui`) and prints the address to open.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const built = spawnSync(npm, ['run', '--silent', 'build:app'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

function electronBinary() {
  try {
    // electron's index.js throws when its binary was not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD=1).
    return createRequire(import.meta.url)('electron');
  } catch {
    return undefined;
  }
}

const electron = electronBinary();
const [command, args] = electron
  ? [electron, [root]]
  : [process.execPath, [join(root, 'packages/peer/bin/tallystick.mjs'), 'ui', ...process.argv.slice(2)]];
if (!electron) console.log('Electron is not installed here: opening the app in browser mode.');
const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
