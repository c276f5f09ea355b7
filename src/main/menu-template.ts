import type { MenuItemConstructorOptions } from 'electron';

/*
 * The application menu, as data (Menu.buildFromTemplate builds it in index.ts), so it is tested without
 * Electron. Standard roles only: they bring the platform's own keys (copy and paste in every field, zoom
 * for members who need larger text, full screen); the app's own screens have their Alt shortcuts in the page.
 */
export function menuTemplate(options: { platform: NodeJS.Platform; packaged: boolean }): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    // No mnemonic on File: Alt+F opens the app's Federation area (Alt+B and Alt+T its Books and Time bank).
    { label: 'File', submenu: [mac ? { role: 'close' } : { role: 'quit' }] },
    { label: '&Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    {
      label: '&View',
      submenu: [
        { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' },
        // Developer tools only in a development run: a packaged app gives a member no console to paste into.
        ...(options.packaged ? [] : [{ type: 'separator' } as const, { role: 'reload' } as const, { role: 'toggleDevTools' } as const]),
      ],
    },
    { role: 'windowMenu' },
  ];
}
