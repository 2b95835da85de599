import type { Page, Request, Response } from 'playwright-core';
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
  /**
   * Says why a 2xx answer to a document, script or data request is not what
   * was asked for (an empty or busy answer), or null; such a request is
   * reported in `failedRequests` like one that failed outright.
   */
  checkAnswer?: (answer: RenderedAnswer) => string | null;
}

export interface RenderedAnswer {
  url: string;
  /** Playwright's resource type: document, script, xhr, fetch. */
  resourceType: string;
  status: number;
  contentType?: string;
  body: Buffer;
}

/** A request the page's list may have needed that did not succeed. */
export interface FailedRequest {
  url: string;
  resourceType: string;
  /** HTTP status, or null when there was no answer. */
  status: number | null;
  /** Chinese or the browser's own error text. */
  reason: string;
}

export interface RenderedPage {
  finalUrl: string;
  /** HTTP status of the main document, or null. */
  status: number | null;
  html: string;
  /** Documents (the page and its frames), scripts and data requests that failed or answered something else. */
  failedRequests: FailedRequest[];
  /** Uncaught errors of the page's scripts (a script cut short, an answer it could not read). */
  scriptErrors: string[];
}

/** What a list can depend on: a failure of anything else (an image, a style sheet) does not empty a list. */
const NEEDED = new Set(['document', 'script', 'xhr', 'fetch']);

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
        return await load(page, url, allowed, opts.timeoutMs ?? 30_000, opts.checkAnswer);
      } finally {
        opts.signal?.removeEventListener('abort', stop);
      }
    },
    { userAgent: opts.userAgent, javaScriptEnabled: true },
  );
}

async function load(page: Page, url: string, allowed: Set<string> | null, timeout: number, checkAnswer: RenderOptions['checkAnswer']): Promise<RenderedPage> {
  const refused = new Set<Request>();
  await page.route('**/*', (route) => {
    const req = route.request();
    const host = new URL(req.url()).host.toLowerCase();
    const type = req.resourceType();
    if ((allowed && !req.url().startsWith('data:') && !allowed.has(host)) || type === 'image' || type === 'media' || type === 'font') {
      refused.add(req);
      return route.abort();
    }
    return route.continue();
  });
  const failedRequests: FailedRequest[] = [];
  const scriptErrors: string[] = [];
  const checks: Promise<void>[] = [];
  page.on('pageerror', (err) => scriptErrors.push(err.message.split('\n')[0]!.slice(0, 200)));
  page.on('requestfailed', (req) => {
    if (refused.has(req) || !NEEDED.has(req.resourceType())) return;
    failedRequests.push({ url: req.url(), resourceType: req.resourceType(), status: null, reason: req.failure()?.errorText ?? '请求失败' });
  });
  page.on('response', (res: Response) => {
    const req = res.request();
    const type = req.resourceType();
    if (!NEEDED.has(type)) return;
    const status = res.status();
    if (status >= 400) {
      failedRequests.push({ url: res.url(), resourceType: type, status, reason: `HTTP ${status}` });
      return;
    }
    if (status < 200 || status >= 300 || !checkAnswer) return;
    checks.push(
      res
        .body()
        .then((body) => {
          const reason = checkAnswer({ url: res.url(), resourceType: type, status, contentType: res.headers()['content-type'], body });
          if (reason) failedRequests.push({ url: res.url(), resourceType: type, status, reason });
        })
        .catch(() => {}),
    );
  });
  const response = await page.goto(url, { waitUntil: 'load', timeout });
  await page.waitForLoadState('networkidle', { timeout: Math.min(timeout, 5_000) }).catch(() => {});
  for (const frame of page.frames()) {
    if (frame !== page.mainFrame()) await frame.waitForLoadState('load', { timeout: 5_000 }).catch(() => {});
  }
  await page.evaluate(INLINE_IFRAMES);
  const html = await page.content();
  await Promise.all(checks);
  return { finalUrl: page.url(), status: response?.status() ?? null, html, failedRequests, scriptErrors };
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
