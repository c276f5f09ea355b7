import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { BOOK_METHODS, type BookApi, type BookMethod, CONTENT_SECURITY_POLICY, TOKEN_HEADER } from './protocol.js';

export interface BookServerOptions {
  readonly service: BookApi;
  /** The built renderer (index.html and assets/). */
  readonly staticDir: string;
  /** 0 for any free port. */
  readonly port: number;
  /** Given by tests; otherwise 32 random bytes per launch. */
  readonly token?: string;
}

export interface BookServer {
  /** Open this: the token travels in the fragment, which the browser never sends to a server. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  close(): Promise<void>;
}

// An import sends the file's text: a ten-year journal is ~14 MB.
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.json': 'application/json',
};

/**
 * The browser mode of the app: the built renderer and a JSON API (`POST /api/<method>`) on loopback
 * only. Every API call must carry the per-launch token in a header, so another local user's process,
 * or a web page the member visits (which cannot read the token or set the header cross-origin
 * without a preflight we never allow), cannot read or write the books. The Host header is checked
 * against DNS rebinding.
 */
export async function startBookServer(options: BookServerOptions): Promise<BookServer> {
  const token = options.token ?? randomBytes(32).toString('hex');
  let origin = '';
  const server: Server = createServer((request, response) => {
    handle(request, response, options, token, origin).catch((error: unknown) => {
      process.stderr.write(`tallystick ui: ${error instanceof Error ? error.stack : String(error)}\n`);
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  origin = `http://127.0.0.1:${address.port}`;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, options: BookServerOptions, token: string, origin: string): Promise<void> {
  if (request.headers.host !== new URL(origin).host && request.headers.host !== `localhost:${new URL(origin).port}`) {
    send(response, 421, 'text/plain; charset=utf-8', 'wrong host');
    return;
  }
  const url = new URL(request.url ?? '/', origin);
  if (url.pathname.startsWith('/api/')) {
    await handleApi(request, response, options.service, token, url.pathname.slice('/api/'.length));
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, 'text/plain; charset=utf-8', 'method not allowed');
    return;
  }
  await serveFile(response, options.staticDir, url.pathname);
}

async function handleApi(request: IncomingMessage, response: ServerResponse, service: BookApi, token: string, method: string): Promise<void> {
  if (!sameToken(request.headers[TOKEN_HEADER], token)) {
    send(response, 401, 'application/json', JSON.stringify({ ok: false, error: { code: 'unauthorized', message: 'This page is not connected to the running Tallystick: open the address that `tallystick ui` printed.' } }));
    return;
  }
  if (request.method !== 'POST' || !(BOOK_METHODS as readonly string[]).includes(method)) {
    send(response, 404, 'application/json', JSON.stringify({ ok: false, error: { code: 'not_found', message: `There is no ${method} here.` } }));
    return;
  }
  const body = await readBody(request);
  let parsed: unknown;
  try {
    parsed = body === '' ? {} : JSON.parse(body);
  } catch {
    send(response, 400, 'application/json', JSON.stringify({ ok: false, error: { code: 'invalid_request', message: 'The request was not JSON.' } }));
    return;
  }
  const call = service[method as BookMethod] as (request: unknown) => Promise<unknown>;
  send(response, 200, 'application/json', JSON.stringify(await call.call(service, parsed)));
}

function sameToken(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function serveFile(response: ServerResponse, root: string, pathname: string): Promise<void> {
  const relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/u, '');
  const path = join(root, relative === '' || relative.endsWith(sep) ? join(relative, 'index.html') : relative);
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) {
    send(response, 404, 'text/plain; charset=utf-8', 'not found');
    return;
  }
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
    send(response, 404, 'text/plain; charset=utf-8', 'not found');
    return;
  }
  send(response, 200, TYPES[extname(path)] ?? 'application/octet-stream', content);
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, {
    'content-type': type,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  response.end(body);
}
