/**
 * The HTTP side of the signaling server: security headers, `/healthz`, the built client's
 * static files, and who a request comes from (origin check, client address). The operational
 * routes (`/readyz`, `/metrics`) are in ops-http.ts and come in through `HttpContent.routes`.
 */
import { existsSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import type { Socket } from 'socket.io';
import type { Config } from './config.ts';

/**
 * `connect-src 'self'` and not `ws: wss:`: the page may only talk to the server it came from.
 * CSP Level 3 lets `'self'` match same-origin `ws:`/`wss:` URLs (Chromium, Firefox, Safari 15.4+),
 * so the signaling WebSocket needs no wider source.
 */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/**
 * The CSP with more `connect-src` origins: the rep console pages add the desk's request webhook
 * ("Raise request" POSTs the session report to it from the rep's browser).
 */
export function contentSecurityPolicy(connectOrigins: readonly string[] = []): string {
  return [
    "default-src 'self'",
    ["connect-src 'self'", ...connectOrigins].join(' '),
    "img-src 'self' data: blob:",
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The origin of the request webhook (`https://tickets.example.com`), or null for none or for
 * anything that is not a plain http(s) URL (nothing odd may reach the CSP header).
 */
export function webhookOrigin(url: string): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
    return /^https?:\/\/[A-Za-z0-9.:[\]-]+$/.test(parsed.origin) ? parsed.origin : null;
  } catch {
    return null;
  }
}

/** The rep console's pages (their CSP allows the request webhook). */
export function isRepConsolePage(path: string): boolean {
  return path === '/rep' || path === '/rep/' || path === '/rep/index.html';
}

/**
 * Powerful features the pages may use: screen capture from this origin only (the customer shares
 * a screen with `getDisplayMedia`); no microphone or location, which Parley never asks for, so a
 * script injected despite the CSP could not ask either.
 *
 * Not `camera=()`, though Parley never uses the camera: Chromium (156) consults the camera policy
 * inside `getDisplayMedia({video: true})` and reports "Permissions policy violation: camera is
 * not allowed" on every screen share (test/e2e/csp.spec.ts caught it). Capture still worked, but
 * the customer's screen sharing must not rest on what the browser itself calls a violation.
 */
export const PERMISSIONS_POLICY = 'microphone=(), geolocation=(), display-capture=(self)';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Permissions-Policy': PERMISSIONS_POLICY,
  // A page that Parley opens (a pushed link) or that opens Parley gets no handle on its window.
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * {@link SECURITY_HEADERS}, plus `Strict-Transport-Security` when `HSTS_SECONDS` says the server
 * is reached over HTTPS only. Off by default: sent over plain HTTP on a LAN it would do nothing,
 * and sent by mistake for a host that later loses its certificate it locks browsers out.
 */
export function securityHeaders(config: Pick<Config, 'hstsSeconds'>): Readonly<Record<string, string>> {
  if (config.hstsSeconds <= 0) return SECURITY_HEADERS;
  return { ...SECURITY_HEADERS, 'Strict-Transport-Security': `max-age=${config.hstsSeconds}` };
}

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../client/dist/', import.meta.url));
const NOT_BUILT_MESSAGE = 'Parley client is not built: run `npm run build`, then reload.\n';

/** Where the rep console fetches the administrator's canned messages (`{ "items": […] }`). */
export const CANNED_PATH = '/api/rep/canned';

/** An answer that needs to wait for something (a readiness check, a metrics scrape). */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** What the HTTP side answers besides static files, prepared once at start. */
export interface HttpContent {
  /** The body of {@link CANNED_PATH}: the canned messages as JSON, read at each request (the desk config may change). */
  cannedJson: string | (() => string);
  /** Routes of any method under `/api/` (the desk's, signaling/desk/http-api.ts); null: not one of them. */
  api?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> | null;
  /** Headers on every answer (default {@link SECURITY_HEADERS}; see {@link securityHeaders}). */
  headers?: Readonly<Record<string, string>>;
  /** More GET/HEAD routes by exact path (ops-http.ts). */
  routes?: ReadonlyMap<string, HttpRoute>;
  /**
   * The desk config's `requestWebhook`, read at each request (a reloaded config applies at
   * once): its origin joins `connect-src` on the rep console pages.
   */
  requestWebhook?: () => string;
}

const NO_CONTENT: HttpContent = { cannedJson: '{"items":[]}' };

/** Answers a request; the promise (for the asynchronous routes) rejects on an error the caller must answer 500. */
export function handleHttp(
  req: IncomingMessage,
  res: ServerResponse,
  serveStatic: (req: IncomingMessage, res: ServerResponse) => void,
  content: HttpContent = NO_CONTENT,
): void | Promise<void> {
  for (const [name, value] of Object.entries(content.headers ?? SECURITY_HEADERS)) res.setHeader(name, value);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const webhook = content.requestWebhook && isRepConsolePage(path) ? webhookOrigin(content.requestWebhook()) : null;
  if (webhook) res.setHeader('Content-Security-Policy', contentSecurityPolicy([webhook]));
  const api = content.api?.(req, res, path);
  if (api) return api;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    sendText(res, 405, 'Method not allowed\n');
    return;
  }
  if (path === '/healthz') {
    res.setHeader('Cache-Control', 'no-store');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok' }));
    return;
  }
  const route = content.routes?.get(path);
  if (route) return route(req, res);
  if (path === CANNED_PATH) {
    // no-store: an edited desk config shows up at the next load, not after a cache expires.
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(typeof content.cannedJson === 'function' ? content.cannedJson() : content.cannedJson);
    return;
  }
  serveStatic(req, res);
}

/**
 * sirv over the built client: `/` → index.html, `/rep` and `/rep/` → rep/index.html, hashed
 * assets cached for a year. Until the client is built, answers 503 with the command to run.
 */
export function createStaticHandler(dir: string): (req: IncomingMessage, res: ServerResponse) => void {
  let serve: ReturnType<typeof sirv> | null = null;
  return (req, res) => {
    if (!serve) {
      if (!existsSync(join(dir, 'index.html'))) {
        sendText(res, 503, NOT_BUILT_MESSAGE);
        return;
      }
      serve = sirv(dir, {
        etag: true,
        dotfiles: false,
        setHeaders: (response, pathname) => {
          response.setHeader('Cache-Control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      });
    }
    serve(req, res, () => sendText(res, 404, 'Not found\n'));
  };
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/**
 * Same origin (the `Origin` host equals `Host`, or `X-Forwarded-Host` behind a trusted proxy),
 * a listed origin, or no `Origin` at all (not a browser).
 */
export function originAllowed(req: IncomingMessage, config: Config): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (config.corsOrigins.includes(origin)) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  if (host === req.headers.host) return true;
  const forwarded = req.headers['x-forwarded-host'];
  return config.trustProxy && typeof forwarded === 'string' && forwarded.split(',')[0]?.trim() === host;
}

/**
 * The client address used for per-IP limits. Behind a trusted proxy: the right-most
 * `X-Forwarded-For` entry, the one the proxy itself appended (entries to its left come from the
 * client and can be forged).
 */
export function clientIp(socket: Pick<Socket, 'handshake'>, trustProxy: boolean): string {
  return forwardedClientIp(socket.handshake.headers, socket.handshake.address, trustProxy);
}

/** {@link clientIp} from request headers and the connection's own address (HTTP requests use it too). */
export function forwardedClientIp(headers: IncomingHttpHeaders, remoteAddress: string, trustProxy: boolean): string {
  if (trustProxy) {
    const header = headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header.join(',') : header;
    const last = value
      ?.split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .at(-1);
    if (last) return last;
  }
  return remoteAddress;
}
