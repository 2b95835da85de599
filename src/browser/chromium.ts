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
