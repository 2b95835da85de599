import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContextOptions, BrowserType, Page, Request } from 'playwright-core';
import { startFilterProxy } from '../net/filter-proxy.ts';
import type { NetworkPolicy } from '../net/policy.ts';

/**
 * The one shared headless Chromium of the process (playwright-core; the
 * system browser, nothing is downloaded). Launched on first use, reused by
 * the crawl (pages that need JavaScript), evidence screenshots and the PDF
 * printer; every context is closed after use, and `closeBrowser()` ends the
 * process at the end of a command.
 *
 *   getBrowser(): Promise<Browser>               launch once, then the same instance
 *   closeBrowser(): Promise<void>                safe to call when never launched
 *   withPage(policy, fn, contextOptions, limits) a fresh context + page under the policy, closed afterwards
 *   findChromium(): string                       the executable used (ZWGK_CHROMIUM first)
 */

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // WebRTC may not send UDP around the proxy (STUN/TURN to any address a page names).
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
];

const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** playwright-core is loaded on first use: a crawl that renders nothing never pays for it. */
function chromium(): BrowserType {
  return (createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core')).chromium;
}

/** ZWGK_CHROMIUM, then a Playwright-installed Chromium, then the usual system paths. */
export function findChromium(): string {
  const fromEnv = process.env.ZWGK_CHROMIUM;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`环境变量 ZWGK_CHROMIUM 指向的浏览器 ${fromEnv} 不存在`);
  }
  let bundled: string | undefined;
  try {
    bundled = chromium().executablePath();
  } catch {
    bundled = undefined;
  }
  for (const candidate of [bundled, ...SYSTEM_PATHS]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  throw new Error('找不到 Chromium 浏览器：请安装 chromium（如 apt-get install chromium），或设置环境变量 ZWGK_CHROMIUM 指向浏览器程序');
}

let launching: Promise<Browser> | null = null;

export function getBrowser(): Promise<Browser> {
  if (!launching) {
    const p = (async () => {
      const browser = await chromium().launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
      browser.on('disconnected', () => {
        if (launching === p) launching = null;
      });
      return browser;
    })();
    launching = p;
    p.catch(() => {
      if (launching === p) launching = null;
    });
  }
  return launching;
}

export async function closeBrowser(): Promise<void> {
  const p = launching;
  launching = null;
  if (!p) return;
  const browser = await p.catch(() => null);
  await browser?.close().catch(() => {});
}

/** The context was closed at its hard deadline (a page that never finished, or a script that never yields). */
export class PageDeadlineError extends Error {
  override name = 'PageDeadlineError';
}

/** A frame navigated, or a page asked for data, off the units file's hosts: what it shows is not the portal's. */
export class OffHostError extends Error {
  override name = 'OffHostError';
}

export interface PageLimits {
  /** Hard bound from the context's creation: then it is closed, whatever the page is doing. */
  deadlineMs: number;
  /** Closes the context at once when aborted. */
  signal?: AbortSignal;
  /** Resource types not loaded at all (a list render needs no images). */
  skipTypes?: readonly string[];
  /** A folder whose file: addresses may load (the PDF printer's report); any other file: address is refused. */
  files?: string;
}

/** What the page tried to reach off the units file's hosts, all refused. */
export interface PageGuard {
  /**
   * Throws OffHostError when any frame navigated off the hosts, or shows an
   * address off them now; throws `net::ERR_…` when the proxy could not reach
   * the page's own host (the page shows the proxy's answer, not the portal's).
   */
  assertUsable(): void;
  /**
   * Refused requests other than navigations, by address and Playwright resource
   * type (script, image, fetch…), or `redirect` for a plain http request only
   * the proxy saw (a redirect hop: the route aborts every first address off
   * the hosts). Tunnels the proxy refused (https, WebSockets) are not listed:
   * Playwright reports no WebSocket once its tunnel is refused, and Chromium
   * opens tunnels of its own (to its search engine) that no page asked for.
   */
  readonly refused: readonly { url: string; type: string }[];
}

/** Chromium's names for what the proxy met connecting to a units-file host (as page.goto would report them without a proxy). */
const NET_ERROR: Record<string, string> = {
  ECONNREFUSED: 'ERR_CONNECTION_REFUSED',
  ECONNRESET: 'ERR_CONNECTION_RESET',
  ENOTFOUND: 'ERR_NAME_NOT_RESOLVED',
  EAI_AGAIN: 'ERR_NAME_NOT_RESOLVED',
  ETIMEDOUT: 'ERR_TIMED_OUT',
  EHOSTUNREACH: 'ERR_ADDRESS_UNREACHABLE',
  ENETUNREACH: 'ERR_INTERNET_DISCONNECTED',
};

/** Where a page's own content lives rather than a host: harmless in any frame. */
const LOCAL_FRAME = /^(about:(blank|srcdoc)$|data:|blob:)/;

/** The host of an address (or its scheme), for a reason line. */
export function hostOrScheme(url: string): string {
  try {
    const u = new URL(url);
    return u.host || u.protocol.replace(':', '');
  } catch {
    return url.slice(0, 40);
  }
}

/**
 * A fresh context and page under the network policy: every request of every
 * frame, every redirect hop, WebSockets and workers go through a filtering
 * proxy of its own (src/net/filter-proxy.ts; `<-loopback>`, so loopback too);
 * Playwright's route aborts what it sees off the hosts before it leaves;
 * service workers are blocked, downloads refused, popups closed, and
 * certificate errors ignored only when the operator configured it. The
 * context is closed afterwards, or at the deadline or abort — which also ends
 * a page script that never yields (page.evaluate has no timeout of its own).
 */
export async function withPage<T>(
  policy: NetworkPolicy,
  fn: (page: Page, guard: PageGuard) => Promise<T>,
  contextOptions: Omit<BrowserContextOptions, 'proxy' | 'serviceWorkers' | 'ignoreHTTPSErrors' | 'acceptDownloads'>,
  limits: PageLimits,
): Promise<T> {
  limits.signal?.throwIfAborted();
  const hops: string[] = [];
  const proxy = await startFilterProxy(policy, (url) => hops.push(url));
  try {
    return await inContext(policy, proxy.url, hops, fn, contextOptions, limits);
  } finally {
    await proxy.close();
  }
}

async function inContext<T>(
  policy: NetworkPolicy,
  server: string,
  hops: readonly string[],
  fn: (page: Page, guard: PageGuard) => Promise<T>,
  contextOptions: Omit<BrowserContextOptions, 'proxy' | 'serviceWorkers' | 'ignoreHTTPSErrors' | 'acceptDownloads'>,
  limits: PageLimits,
): Promise<T> {
  const browser = await getBrowser();
  const context = await browser.newContext({
    ...contextOptions,
    proxy: { server, bypass: '<-loopback>' },
    serviceWorkers: 'block',
    acceptDownloads: false,
    ignoreHTTPSErrors: policy.ignoreHttpsErrors,
  });
  const navigations: string[] = [];
  const refused: { url: string; type: string }[] = [];
  const skip = new Set(limits.skipTypes ?? []);
  const onHost = (url: string) => policy.isUnitUrl(url.replace(/^ws(s?):/i, 'http$1:'));
  const ownFile = (url: string) => {
    if (!limits.files || !url.startsWith('file:')) return false;
    try {
      return fileURLToPath(url).startsWith(limits.files + sep);
    } catch {
      return false;
    }
  };
  const note = (url: string, type: string, navigation: boolean) => {
    if (onHost(url) || ownFile(url) || LOCAL_FRAME.test(url)) return;
    if (navigation) navigations.push(url);
    else refused.push({ url, type });
  };
  let unreachable: string | null = null;
  const guard: PageGuard = {
    get refused() {
      const seen = new Set(refused.map((r) => r.url));
      return [...refused, ...hops.filter((u) => !seen.has(u)).map((url) => ({ url, type: 'redirect' }))];
    },
    assertUsable() {
      if (unreachable) throw new Error(`net::${NET_ERROR[unreachable] ?? 'ERR_FAILED'}（${unreachable}）`);
      const away = navigations[0] ?? page.frames().map((f) => f.url()).find((u) => u !== '' && !LOCAL_FRAME.test(u) && !onHost(u) && !ownFile(u));
      if (away !== undefined) throw new OffHostError(`页面跳转到或嵌入了单位名单以外的地址（${hostOrScheme(away)}），已按网络访问规则拦截，结果未采用`);
    },
  };
  let expired = false;
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= context.close().catch(() => {}));
  const kill = () => {
    expired = true;
    void close();
  };
  const timer = setTimeout(kill, limits.deadlineMs);
  limits.signal?.addEventListener('abort', kill, { once: true });
  let page!: Page;
  try {
    const inPage = (r: Request) => {
      try {
        return r.frame().page() === page;
      } catch {
        return false;
      }
    };
    context.on('request', (r: Request) => {
      const navigation = r.isNavigationRequest();
      // A popup's navigation is aborted and the popup closed: it does not make the page itself off-host.
      if (navigation && !inPage(r)) return;
      note(r.url(), r.resourceType(), navigation);
    });
    await context.route('**/*', (route) => {
      const r = route.request();
      const url = r.url();
      if (skip.has(r.resourceType()) || !(onHost(url) || ownFile(url) || url.startsWith('data:'))) return route.abort('blockedbyclient');
      return route.continue();
    });
    page = await context.newPage();
    page.on('response', (r) => {
      const code = r.headers()['x-zwgk-proxy'];
      if (code && code !== 'refused' && r.request().isNavigationRequest() && r.frame() === page.mainFrame()) unreachable = code;
    });
    page.on('websocket', (ws) => note(ws.url(), 'websocket', false));
    context.on('page', (other) => {
      if (other !== page) void other.close().catch(() => {});
    });
    // The deadline wins even over a call that never settles.
    const deadline = new Promise<never>((_, reject) => {
      const fire = () => reject(new PageDeadlineError(`页面在 ${Math.round(limits.deadlineMs / 1000)} 秒内未完成，已强制关闭`));
      if (expired) fire();
      context.once('close', () => (expired || limits.signal?.aborted) && fire());
    });
    return await Promise.race([fn(page, guard), deadline]);
  } catch (err) {
    if (limits.signal?.aborted) throw new Error('浏览器操作已取消');
    throw expired ? new PageDeadlineError(`页面在 ${Math.round(limits.deadlineMs / 1000)} 秒内未完成，已强制关闭`) : err;
  } finally {
    clearTimeout(timer);
    limits.signal?.removeEventListener('abort', kill);
    await Promise.race([close(), sleep(5_000)]);
  }
}
