import { describe, expect, it } from 'vitest';
import { BOOK_METHODS, type BookApi, IPC_CHANNEL } from '../../packages/peer/src/service/protocol.js';
import { type IpcMainLike, registerBookHandlers } from '../../src/main/ipc.js';
import { windowOptions } from '../../src/main/window-options.js';
import { createBookApi } from '../../src/preload/api.js';

/* The Electron-side code without the Electron binary: the preload's surface, the IPC handler, the window. */

describe('preload API', () => {
  it('exposes exactly the service methods, each one IPC call on the book channel', async () => {
    const calls: unknown[][] = [];
    const api = createBookApi(async (...args) => { calls.push(args); return { ok: true, value: args[1] }; });
    expect(Object.keys(api).sort()).toEqual([...BOOK_METHODS].sort());
    expect(Object.isFrozen(api)).toBe(true);
    await api.register({ account: 'Assets' });
    await api.overview();
    expect(calls).toEqual([[IPC_CHANNEL, 'register', { account: 'Assets' }], [IPC_CHANNEL, 'overview', {}]]);
  });
});

describe('IPC handler', () => {
  const service = Object.fromEntries(BOOK_METHODS.map((method) => [method, async (request: unknown) => ({ ok: true, value: { method, request } })])) as unknown as BookApi;
  const handlerFor = () => {
    let listener: Parameters<IpcMainLike['handle']>[1] | undefined;
    registerBookHandlers({ handle: (channel, registered) => { expect(channel).toBe(IPC_CHANNEL); listener = registered; } }, service, (url) => url === 'file:///app/index.html');
    return listener!;
  };

  it('passes a known method from the app page to the service', async () => {
    expect(await handlerFor()({ senderFrame: { url: 'file:///app/index.html' } }, 'accountTree', undefined)).toEqual({ ok: true, value: { method: 'accountTree', request: {} } });
  });

  it('refuses unknown methods and other pages, in words', async () => {
    const handler = handlerFor();
    expect(await handler({ senderFrame: { url: 'file:///app/index.html' } }, 'constructor', {})).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await handler({ senderFrame: { url: 'https://example.org/' } }, 'overview', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await handler({ senderFrame: null }, 'overview', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('window', () => {
  it('is isolated and sandboxed, without Node', () => {
    const { webPreferences } = windowOptions('/app/preload/index.cjs');
    expect(webPreferences).toMatchObject({ preload: '/app/preload/index.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
  });
});
