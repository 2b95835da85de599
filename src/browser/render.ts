import type { Page } from 'playwright-core';
import type { NetworkPolicy } from '../net/policy.ts';
import { hostOrScheme, OffHostError, withPage, type PageGuard } from './chromium.ts';

/** A page as the list renderer of the crawl sees it: HTML after its scripts ran. */

export interface RenderOptions {
  /** Where the browser may go: the units file's hosts (every request, every hop, through its proxy). */
  policy: NetworkPolicy;
  /** Hard bound on the whole render (navigation, settling, reading the page); the context is closed then. Default 30 000 ms. */
  timeoutMs?: number;
  userAgent?: string;
  /** Closes the page (and fails the render) when aborted. */
  signal?: AbortSignal;
}

export interface RenderedPage {
  finalUrl: string;
  /** HTTP status of the main document, or null. */
  status: number | null;
  html: string;
  /** Hosts of scripts and other resources off the units file's hosts that were refused (the list may have needed one). */
  blocked?: string[];
}

/** A list render needs no pictures, fonts or media. */
const SKIP = ['image', 'media', 'font'];
/** Requests for data, or redirected off the hosts to who knows what: refused, the list may be missing what they would have brought. */
const DATA_TYPES = new Set(['xhr', 'fetch', 'eventsource', 'redirect']);

/**
 * Loads the page with scripts on (images, fonts and media off), waits for the
 * network to settle, copies the content of same-origin iframes into the
 * document (a `<div data-zwgk-iframe="src">` after each iframe), and returns
 * the resulting HTML. Thrown away (an error) when any frame went off the
 * units file's hosts or a script asked another host for data.
 */
export async function renderPage(url: string, opts: RenderOptions): Promise<RenderedPage> {
  const timeout = opts.timeoutMs ?? 30_000;
  return withPage(opts.policy, (page, guard) => load(page, guard, url, timeout), { userAgent: opts.userAgent, javaScriptEnabled: true }, { deadlineMs: timeout, signal: opts.signal, skipTypes: SKIP });
}

async function load(page: Page, guard: PageGuard, url: string, timeout: number): Promise<RenderedPage> {
  const started = Date.now();
  const left = () => Math.max(1, timeout - (Date.now() - started));
  const response = await page.goto(url, { waitUntil: 'load', timeout: Math.round(timeout * 0.7) });
  await page.waitForLoadState('networkidle', { timeout: Math.min(left() / 2, 5_000) }).catch(() => {});
  for (const frame of page.frames()) {
    if (frame !== page.mainFrame()) await frame.waitForLoadState('load', { timeout: Math.min(left() / 3, 5_000) }).catch(() => {});
  }
  guard.assertUsable();
  await page.evaluate(INLINE_IFRAMES);
  const html = await page.content();
  guard.assertUsable();
  const data = guard.refused.find((r) => DATA_TYPES.has(r.type));
  if (data) throw new OffHostError(`页面脚本向单位名单以外的地址（${hostOrScheme(data.url)}）请求数据，已按网络访问规则拦截，列表可能不完整，结果未采用`);
  const blocked = [...new Set(guard.refused.filter((r) => !SKIP.includes(r.type)).map((r) => hostOrScheme(r.url)))];
  return { finalUrl: page.url(), status: response?.status() ?? null, html, ...(blocked.length > 0 ? { blocked } : {}) };
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
