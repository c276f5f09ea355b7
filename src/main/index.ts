import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, Menu, app, ipcMain, shell } from 'electron';
import { type BookService, createBookService } from '@tallystick/peer/dist/service/book-service.js';
import { defaultDataDir } from '@tallystick/sync/data-folder';
import { registerBookHandlers } from './ipc.js';
import { menuTemplate } from './menu-template.js';
import { isAppUrl, navigationGuard, windowOpenHandler } from './navigation-guards.js';
import { windowOptions } from './window-options.js';

/*
 * Electron main: hosts the books service (the same one `tallystick ui` serves over loopback) and one
 * sandboxed window. Everything here is wiring; the logic is in the service and is tested without Electron.
 */

const rendererIndex = join(import.meta.dirname, '..', 'renderer', 'index.html');
const appUrl = pathToFileURL(rendererIndex).href;

function createWindow(): void {
  const window = new BrowserWindow(windowOptions(join(import.meta.dirname, '..', 'preload', 'index.cjs')));
  window.webContents.setWindowOpenHandler(windowOpenHandler((url) => void shell.openExternal(url)));
  window.webContents.on('will-navigate', navigationGuard(appUrl));
  window.once('ready-to-show', () => window.show());
  void window.loadFile(rendererIndex);
}

void app.whenReady().then(() => {
  const service = createBookService({ dataDir: process.env.TALLYSTICK_DATA || defaultDataDir(process.env), env: process.env, sync: { listen: [], connect: [] } });
  registerBookHandlers(ipcMain, service, isAppUrl(appUrl));
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ platform: process.platform, packaged: app.isPackaged })));
  // The peer runs in this process while the app is open; without a passphrase in the environment the Sync screen asks for it.
  void service.startSyncing().then((words) => process.stderr.write(`tallystick sync: ${words}\n`));
  stopBeforeQuitting(service);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

/** Quitting waits for the peer to save what it received and say goodbye to its peers (once; then quits for real). */
function stopBeforeQuitting(service: BookService): void {
  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopping) return;
    stopping = true;
    event.preventDefault();
    void service.close().catch((error: unknown) => process.stderr.write(`tallystick sync: stopping: ${String(error)}\n`)).finally(() => app.quit());
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
