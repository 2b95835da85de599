import type { Page, Response } from 'playwright-core';
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
  /** Hosts of scripts and other resources off the units file's hosts that were refused (the list may have needed one). */
  blocked?: string[];
  /** Documents (the page and its frames), scripts and data requests that failed or answered something else. */
  failedRequests: FailedRequest[];
  /** Uncaught errors of the page's scripts (a script cut short, an answer it could not read). */
  scriptErrors: string[];
}

/** A list render needs no pictures, fonts or media. */
const SKIP = ['image', 'media', 'font'];
/** Requests for data, or redirected off the hosts to who knows what: refused, the list may be missing what they would have brought. */
const DATA_TYPES = new Set(['xhr', 'fetch', 'eventsource', 'redirect']);
/** What a list can depend on: a failure of anything else (an image, a style sheet) does not empty a list. */
const NEEDED = new Set(['document', 'script', 'xhr', 'fetch']);

/**
 * Loads the page with scripts on (images, fonts and media off), waits for the
 * network to settle, copies the content of same-origin iframes into the
 * document (a `<div data-zwgk-iframe="src">` after each iframe), and returns
 * the resulting HTML. Thrown away (an error) when any frame went off the
 * units file's hosts or a script asked another host for data.
 */
export async function renderPage(url: string, opts: RenderOptions): Promise<RenderedPage> {
  const timeout = opts.timeoutMs ?? 30_000;
  return withPage(opts.policy, (page, guard) => load(page, guard, url, timeout, opts.checkAnswer), { userAgent: opts.userAgent, javaScriptEnabled: true }, { deadlineMs: timeout, signal: opts.signal, skipTypes: SKIP });
}

async function load(page: Page, guard: PageGuard, url: string, timeout: number, checkAnswer: RenderOptions['checkAnswer']): Promise<RenderedPage> {
  const started = Date.now();
  const left = () => Math.max(1, timeout - (Date.now() - started));
  const failedRequests: FailedRequest[] = [];
  const scriptErrors: string[] = [];
  const checks: Promise<void>[] = [];
  // Requests the policy refused are the guard's to report (below), not failures of the portal.
  const refusedByPolicy = (u: string) => guard.refused.some((r) => r.url === u);
  page.on('pageerror', (err) => scriptErrors.push(err.message.split('\n')[0]!.slice(0, 200)));
  page.on('requestfailed', (req) => {
    if (!NEEDED.has(req.resourceType()) || refusedByPolicy(req.url())) return;
    failedRequests.push({ url: req.url(), resourceType: req.resourceType(), status: null, reason: req.failure()?.errorText ?? '请求失败' });
  });
  page.on('response', (res: Response) => {
    const type = res.request().resourceType();
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
  await Promise.all(checks);
  return { finalUrl: page.url(), status: response?.status() ?? null, html, failedRequests, scriptErrors, ...(blocked.length > 0 ? { blocked } : {}) };
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
