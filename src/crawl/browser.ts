import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, BrowserContextOptions, BrowserType, Page } from 'playwright-core';

/**
 * The one shared headless Chromium of the process (playwright-core; the
 * system browser, nothing is downloaded). Launched on first use, reused by
 * the crawl (pages that need JavaScript) and by evidence screenshots; every
 * context is closed after use, and `closeBrowser()` ends the process at the
 * end of a command.
 *
 *   getBrowser(): Promise<Browser>           launch once, then the same instance
 *   closeBrowser(): Promise<void>            safe to call when never launched
 *   withPage(fn, contextOptions?)            a fresh context + page for fn, closed afterwards
 *   renderPage(url, opts?) → RenderedPage    HTML after scripts ran, same-origin iframes inlined
 *   findChromium(): string                   the executable used (ZWGK_CHROMIUM first)
 */

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
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

export async function withPage<T>(fn: (page: Page, context: BrowserContext) => Promise<T>, contextOptions: BrowserContextOptions = {}): Promise<T> {
  const browser = await getBrowser();
  const context = await browser.newContext(contextOptions);
  try {
    const page = await context.newPage();
    return await fn(page, context);
  } finally {
    await context.close().catch(() => {});
  }
}

export interface RenderOptions {
  /** Navigation + settle time bound. Default 30 000 ms. */
  timeoutMs?: number;
  userAgent?: string;
  /** Requests to other hosts (`host[:port]`) are refused; absent: all allowed. */
  allowedHosts?: Iterable<string>;
  /** Closes the page (and fails the render) when aborted. */
  signal?: AbortSignal;
}

export interface RenderedPage {
  finalUrl: string;
  /** HTTP status of the main document, or null. */
  status: number | null;
  html: string;
}

/**
 * Loads the page with scripts on (images, fonts and media off), waits for the
 * network to settle, copies the content of same-origin iframes into the
 * document (a `<div data-zwgk-iframe="src">` after each iframe), and returns
 * the resulting HTML.
 */
export async function renderPage(url: string, opts: RenderOptions = {}): Promise<RenderedPage> {
  const allowed = opts.allowedHosts ? new Set([...opts.allowedHosts].map((h) => h.toLowerCase())) : null;
  return withPage(
    async (page) => {
      opts.signal?.throwIfAborted();
      const stop = () => void page.close().catch(() => {});
      opts.signal?.addEventListener('abort', stop, { once: true });
      try {
        return await load(page, url, allowed, opts.timeoutMs ?? 30_000);
      } finally {
        opts.signal?.removeEventListener('abort', stop);
      }
    },
    { userAgent: opts.userAgent, javaScriptEnabled: true },
  );
}

async function load(page: Page, url: string, allowed: Set<string> | null, timeout: number): Promise<RenderedPage> {
  await page.route('**/*', (route) => {
    const req = route.request();
    const host = new URL(req.url()).host.toLowerCase();
    const type = req.resourceType();
    if ((allowed && !req.url().startsWith('data:') && !allowed.has(host)) || type === 'image' || type === 'media' || type === 'font') {
      return route.abort();
    }
    return route.continue();
  });
  const response = await page.goto(url, { waitUntil: 'load', timeout });
  await page.waitForLoadState('networkidle', { timeout: Math.min(timeout, 5_000) }).catch(() => {});
  for (const frame of page.frames()) {
    if (frame !== page.mainFrame()) await frame.waitForLoadState('load', { timeout: 5_000 }).catch(() => {});
  }
  await page.evaluate(INLINE_IFRAMES);
  return { finalUrl: page.url(), status: response?.status() ?? null, html: await page.content() };
}

/**
 * Runs in the page: copies readable (same-origin) iframe bodies next to their
 * iframes, nested ones first, with links made absolute against the iframe's
 * own address. A string, so that no bundler helper leaks into the page.
 */
const INLINE_IFRAMES = `(() => {
  const inline = (doc, depth) => {
    if (depth > 3) return;
    for (const frame of Array.from(doc.querySelectorAll('iframe'))) {
      let inner = null;
      try { inner = frame.contentDocument; } catch { inner = null; }
      if (!inner || !inner.body) continue;
      inline(inner, depth + 1);
      for (const a of Array.from(inner.querySelectorAll('a[href]'))) a.setAttribute('href', a.href);
      const box = doc.createElement('div');
      box.setAttribute('data-zwgk-iframe', frame.src);
      box.innerHTML = inner.body.innerHTML;
      frame.after(box);
    }
  };
  inline(document, 0);
})()`;
