#!/usr/bin/env node
// `npm start`: builds the app, then opens it in Electron when its binary is installed, otherwise serves
// it to a browser (`tallystick ui`) and prints the address to open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const built = spawnSync(npm, ['run', '--silent', 'build:app'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

/** Electron's executable when its binary was downloaded; requiring `electron` would try to download it. */
function electronBinary() {
  const folder = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = join(folder, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const executable = join(folder, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(executable) ? executable : undefined;
}

const electron = electronBinary();
const [command, args] = electron
  ? [electron, [root]]
  : [process.execPath, [join(root, 'packages/peer/bin/tallystick.mjs'), 'ui', ...process.argv.slice(2)]];
if (!electron) console.log('Electron is not installed here: opening the app in browser mode.');
const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
