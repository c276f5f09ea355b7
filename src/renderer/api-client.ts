import { BOOK_METHODS, type BookApi, TOKEN_HEADER } from '../../packages/peer/src/service/protocol.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser. */
    readonly tallystick?: BookApi;
  }
}

const TOKEN_KEY = 'tallystick-token';

/**
 * In Electron, the preload's API. In a browser, the loopback API with the per-launch token: it comes
 * in the address's fragment on first load, is kept for this tab only, and is removed from the address bar.
 */
export function connectBookApi(): BookApi {
  if (window.tallystick) return window.tallystick;
  const fromFragment = /(?:^#|&)token=([0-9a-f]+)/u.exec(window.location.hash)?.[1];
  if (fromFragment) {
    sessionStorage.setItem(TOKEN_KEY, fromFragment);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  const api: Record<string, (request?: unknown) => Promise<unknown>> = {};
  for (const method of BOOK_METHODS) {
    api[method] = async (request?: unknown) => {
      try {
        const response = await fetch(`/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token }, body: JSON.stringify(request ?? {}) });
        return await response.json();
      } catch {
        return { ok: false, error: { code: 'unreachable', message: 'Tallystick is not running any more: start it again and open the address it prints.' } };
      }
    };
  }
  return api as unknown as BookApi;
}
