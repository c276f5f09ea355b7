import { BOOK_METHODS, type BookApi, type BookMethod, IPC_CHANNEL, type ServiceResult } from '@tallystick/peer/dist/service/protocol.js';

/** The part of Electron's `ipcMain` used here, so the handlers are tested without Electron. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => Promise<unknown>): void;
}

/**
 * One channel, `(method, request)`: only the service's methods, only from the app's own page (a
 * navigation elsewhere, which the window also forbids, gets nothing).
 */
export function registerBookHandlers(ipcMain: IpcMainLike, service: BookApi, isAppUrl: (url: string) => boolean): void {
  ipcMain.handle(IPC_CHANNEL, async (event, method, request): Promise<ServiceResult<unknown>> => {
    const url = event.senderFrame?.url ?? '';
    if (!isAppUrl(url)) return { ok: false, error: { code: 'forbidden', message: 'This page may not use the books.' } };
    if (typeof method !== 'string' || !(BOOK_METHODS as readonly string[]).includes(method)) {
      return { ok: false, error: { code: 'not_found', message: `There is no ${String(method)} in the books service.` } };
    }
    const call = service[method as BookMethod] as (request: unknown) => Promise<ServiceResult<unknown>>;
    return call.call(service, request ?? {});
  });
}
