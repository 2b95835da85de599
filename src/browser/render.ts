import type { Page } from 'playwright-core';
import { withPage } from './chromium.ts';

/** A page as the list renderer of the crawl sees it: HTML after its scripts ran. */

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
