import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import electronViteConfig from '../../electron.vite.config.js';
import { createBookService } from '../../packages/peer/src/service/book-service.js';
import { BOOK_METHODS, CONTENT_SECURITY_POLICY, IPC_CHANNEL, type Overview, type ServiceResult } from '../../packages/peer/src/service/protocol.js';
import { type IpcMainLike, registerBookHandlers } from '../../src/main/ipc.js';
import { menuTemplate } from '../../src/main/menu-template.js';
import { isAppUrl, navigationGuard, windowOpenHandler } from '../../src/main/navigation-guards.js';
import { windowOptions } from '../../src/main/window-options.js';
import { createBookApi } from '../../src/preload/api.js';

/*
 * Electron main's handlers without the Electron binary, against the real books service on a temporary data
 * folder: what `ipcMain.handle` would receive is called directly, with the sender frame Electron would report.
 */

const APP_URL = 'file:///opt/tallystick/resources/app/out/renderer/index.html';
const scratch = mkdtempSync(join(tmpdir(), 'tallystick-electron-'));
const service = createBookService({ dataDir: join(scratch, 'books'), env: {}, now: () => new Date('2024-03-01T09:00:00Z'), log: () => undefined });
type Listener = Parameters<IpcMainLike['handle']>[1];
const listeners = new Map<string, Listener>();
registerBookHandlers({ handle: (channel, listener) => { listeners.set(channel, listener); } }, service, isAppUrl(APP_URL));
const fromApp = { senderFrame: { url: `${APP_URL}#/accounts` } };
const invoke = (event: Parameters<Listener>[0], ...args: unknown[]) => listeners.get(IPC_CHANNEL)!(event, ...args) as Promise<ServiceResult<unknown>>;

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the IPC handler with the real service', () => {
  it('registers one channel only', () => {
    expect([...listeners.keys()]).toEqual([IPC_CHANNEL]);
  });

  it('founds a co-op and reads it back through the channel, as the renderer would', async () => {
    expect(await invoke(fromApp, 'overview', {})).toMatchObject({ ok: false, error: { code: 'no_data_folder' } });
    const founded = await invoke(fromApp, 'foundCoop', { coopName: 'Harbour Co-op', memberName: 'Ines', passphrase: 'electron-passphrase', passphraseAgain: 'electron-passphrase' });
    expect(founded).toMatchObject({ ok: true, value: { dataFolder: join(scratch, 'books') } });
    const overview = await invoke(fromApp, 'overview', undefined) as ServiceResult<Overview>;
    expect(overview).toMatchObject({ ok: true, value: { coopName: 'Harbour Co-op', transactionCount: 0, needsPassphrase: true } });
    const added = await invoke(fromApp, 'addTransaction', {
      date: '2024-02-10', description: 'Opening float', passphrase: 'electron-passphrase',
      postings: [{ account: 'Assets:Cash', amount: '150.00 EUR' }, { account: 'Equity:Opening', amount: '' }],
    });
    expect(added).toMatchObject({ ok: true, value: { message: expect.stringMatching(/^Saved transaction [0-9a-f]{12} on 2024-02-10: Opening float/u) as unknown } });
    expect(await invoke(fromApp, 'accountTree')).toMatchObject({ ok: true, value: { lines: expect.arrayContaining([expect.objectContaining({ account: 'Assets:Cash', balance: ['150.00 EUR'] })]) as unknown } });
  });

  it('answers a malformed request with the service\'s words, and writes nothing', async () => {
    const refused = await invoke(fromApp, 'addTransaction', { date: 'soon', postings: 'many' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect((refused as { error: { message: string } }).error.message).not.toMatch(/TypeError|undefined|stack/u);
    expect(await invoke(fromApp, 'overview')).toMatchObject({ ok: true, value: { transactionCount: 1 } });
  });

  it('refuses a method the service does not have, even one every object has', async () => {
    for (const method of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'deleteEverything', 42, undefined]) {
      expect(await invoke(fromApp, method, {})).toEqual({ ok: false, error: { code: 'not_found', message: `There is no ${String(method)} in the books service.` } });
    }
  });

  it('refuses every page but the app\'s own, before the service is asked', async () => {
    for (const senderFrame of [{ url: 'https://example.org/' }, { url: 'file:///tmp/evil.html' }, { url: `${APP_URL}.evil` }, { url: '' }, null]) {
      expect(await invoke({ senderFrame }, 'foundCoop', { coopName: 'Other', memberName: 'Mallory', passphrase: 'x'.repeat(12), passphraseAgain: 'x'.repeat(12) }))
        .toEqual({ ok: false, error: { code: 'forbidden', message: 'This page may not use the books.' } });
    }
    expect(await invoke(fromApp, 'overview')).toMatchObject({ ok: true, value: { coopName: 'Harbour Co-op' } });
  });
});

describe('the preload API and the service agree', () => {
  it('the service implements exactly the methods the preload exposes', () => {
    expect(Object.keys(service).sort()).toEqual([...BOOK_METHODS].sort());
    expect(Object.keys(createBookApi(async () => undefined)).sort()).toEqual([...BOOK_METHODS].sort());
  });
});

describe('the window', () => {
  it('gives the renderer no Node and no Electron, isolated and sandboxed', () => {
    const options = windowOptions('/app/preload/index.cjs');
    expect(options.show).toBe(false);
    expect(options.webPreferences).toEqual({
      preload: '/app/preload/index.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false,
      webSecurity: true, allowRunningInsecureContent: false, spellcheck: false,
    });
  });

  it('navigates only within the app page and opens only https links, outside the app', () => {
    const opened: string[] = [];
    const open = windowOpenHandler((url) => opened.push(url));
    for (const url of ['https://tallystick.example/help', 'http://example.org/', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url']) expect(open({ url })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://tallystick.example/help']);
    const guard = navigationGuard(APP_URL);
    const prevented = (url: string) => { let stopped = false; guard({ preventDefault: () => { stopped = true; } }, url); return stopped; };
    expect(prevented(`${APP_URL}#/register`)).toBe(false);
    expect(prevented(APP_URL)).toBe(false);
    for (const url of ['https://example.org/', 'file:///tmp/index.html', `${APP_URL}?x=1`, `${APP_URL}x`]) expect(prevented(url)).toBe(true);
  });

  it('the built page carries the CSP (a file load sends no header), without the header-only frame-ancestors', () => {
    const renderer = (electronViteConfig as { renderer?: { plugins?: unknown[] } }).renderer;
    const plugin = renderer?.plugins?.flat().find((candidate): candidate is { name: string; transformIndexHtml: () => { attrs: Record<string, string> }[] } => (candidate as { name?: string } | undefined)?.name === 'tallystick-csp');
    expect(plugin).toBeDefined();
    const [tag] = plugin!.transformIndexHtml();
    expect(tag!.attrs['http-equiv']).toBe('Content-Security-Policy');
    const directives = tag!.attrs.content!.split('; ');
    expect(directives).toContain("script-src 'self'");
    expect(directives).toContain("default-src 'none'");
    expect(directives.some((directive) => directive.startsWith('frame-ancestors'))).toBe(false);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/u);
  });
});

describe('the application menu', () => {
  const roles = (template: ReturnType<typeof menuTemplate>) => template.flatMap((item) => [item.role, ...(Array.isArray(item.submenu) ? item.submenu.map((sub) => sub.role) : [])]).filter(Boolean);

  it('gives the platform keys for editing and zoom, and developer tools only in a development run', () => {
    const packaged = roles(menuTemplate({ platform: 'linux', packaged: true }));
    for (const role of ['quit', 'undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']) expect(packaged).toContain(role);
    expect(packaged).not.toContain('toggleDevTools');
    expect(packaged).not.toContain('reload');
    expect(roles(menuTemplate({ platform: 'linux', packaged: false }))).toContain('toggleDevTools');
  });

  it('follows the platform: the app menu on macOS, and menus with Alt mnemonics that no screen shortcut uses elsewhere', () => {
    const mac = menuTemplate({ platform: 'darwin', packaged: true });
    expect(mac[0]!.role).toBe('appMenu');
    expect(roles(mac)).toContain('close');
    const linux = menuTemplate({ platform: 'linux', packaged: true });
    const mnemonics = linux.map((item) => /&(\w)/u.exec(item.label ?? '')?.[1]?.toUpperCase()).filter(Boolean);
    expect(mnemonics).toEqual(['E', 'V']);
    // Alt+B, Alt+T and Alt+F switch the app's areas, Alt+0…9 its screens: a menu mnemonic on those would take the key.
    for (const taken of ['B', 'T', 'F', ...'0123456789']) expect(mnemonics).not.toContain(taken);
  });
});
