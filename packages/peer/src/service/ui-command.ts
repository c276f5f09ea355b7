import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TallystickError } from '@tallystick/core';
import { type CommandContext, print } from '../context.js';
import { createBookService } from './book-service.js';
import { startBookServer } from './http-server.js';

export interface UiOptions {
  port?: string;
  app?: string;
  /** Where this device's peer listens (default: the ports of the last run, else any free port). */
  listen?: string[];
  /** Peers to dial at start (the known ones are redialled anyway). */
  peer?: string[];
  /** commander's --no-sync: serve the books without running the peer. */
  sync?: boolean;
}

/** The built renderer in a checkout: `out/renderer` at the repository root (electron-vite's output). */
export function defaultRendererDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'out', 'renderer');
}

/** `tallystick ui`: the app in a browser, served on loopback until interrupted. */
export async function uiCommand(context: CommandContext, options: UiOptions): Promise<void> {
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TallystickError('invalid_port', `--port ${options.port} is not a port number (0 to 65535)`);
  const staticDir = options.app ?? defaultRendererDir();
  try {
    await access(join(staticDir, 'index.html'));
  } catch {
    throw new TallystickError('app_not_built', `the app is not built (no ${join(staticDir, 'index.html')}): run \`npm run build:app\` first`);
  }
  const service = createBookService({
    dataDir: context.dataDir, ...(context.coop ? { coop: context.coop } : {}), env: context.env, now: context.now, log: (line) => context.stderr.write(`${line}\n`),
    ...(options.sync === false ? {} : { sync: { listen: options.listen ?? [], connect: options.peer ?? [] } }),
  });
  const server = await startBookServer({ service, staticDir, port });
  print(context, `Tallystick is open at ${server.url}`);
  print(context, 'Only this address (with its token) can use your books. Press Ctrl+C to stop.');
  // After the address: the peer loads every month of the co-op (seconds for a large book), the books need not wait for it.
  const syncing = options.sync === false ? Promise.resolve() : service.startSyncing().then((words) => print(context, `Sync: ${words}`));
  await new Promise<void>((resolve) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  await syncing;
  await service.close();
}
