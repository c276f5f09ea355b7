import { BOOK_METHODS, type BookApi, IPC_CHANNEL } from '../../packages/peer/src/service/protocol.js';

export type Invoke = (channel: string, ...args: unknown[]) => Promise<unknown>;

/** The whole API the renderer sees: one function per service method, each a single IPC call. No logic. */
export function createBookApi(invoke: Invoke): BookApi {
  const api: Record<string, (request?: unknown) => Promise<unknown>> = {};
  for (const method of BOOK_METHODS) api[method] = (request?: unknown) => invoke(IPC_CHANNEL, method, request ?? {});
  return Object.freeze(api) as unknown as BookApi;
}
