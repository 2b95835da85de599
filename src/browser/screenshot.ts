import type { Page } from 'playwright-core';
import { MASK_PAGE_SCRIPT } from '../crawl/parse/personal-data.ts';
import { fmtInstant } from '../lib/time.ts';
import type { NetworkPolicy } from '../net/policy.ts';
import { OffHostError, PageDeadlineError, withPage } from './chromium.ts';

/**
 * One evidence screenshot (佐证截图): the page scrolled to and outlining the
 * text a finding concerns, with a caption naming the address and the time.
 */

export interface ScreenshotOptions {
  /** Where the browser may go (the units file's hosts), through the policy's proxy. */
  policy: NetworkPolicy;
  signal?: AbortSignal;
}

/**
 * One page in a fresh context with a hard deadline (withPage closes it, which
 * also ends a page script that never yields). A page that went off the units
 * file's hosts, in any frame, gives no picture (OffHostError).
 */
export async function screenshot(url: string, highlight: string, timeoutMs: number, opts: ScreenshotOptions): Promise<Buffer> {
  return withPage(
    opts.policy,
    async (page: Page, guard) => {
      const started = Date.now();
      const left = () => Math.max(1, timeoutMs - (Date.now() - started));
      page.setDefaultTimeout(timeoutMs);
      await page.goto(url, { waitUntil: 'domcontentloaded', timeout: Math.round(timeoutMs * 0.7) });
      // Lists often fill in after load; give them a moment but keep time for the picture.
      await page.waitForLoadState('load', { timeout: Math.min(left() / 2, 5_000) }).catch(() => {});
      await page.waitForLoadState('networkidle', { timeout: Math.min(left() / 3, 2_000) }).catch(() => {});
      guard.assertUsable();
      // Personal numbers are masked on the page before anything is pictured (a finding's highlight is the masked form);
      // a page where masking fails is not pictured at all.
      await page.evaluate(MASK_PAGE_SCRIPT);
      if (highlight) await page.evaluate(`(${HIGHLIGHT})(${JSON.stringify(highlight)})`).catch(() => false);
      const caption = `佐证截图　${page.url()}　${fmtInstant(new Date().toISOString())}`;
      await page.evaluate(`(${CAPTION})(${JSON.stringify(caption)})`).catch(() => {});
      const png = await page.screenshot({ type: 'png', fullPage: false, animations: 'disabled', timeout: left() });
      // A navigation during the capture counts too.
      guard.assertUsable();
      return png;
    },
    { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' },
    { deadlineMs: timeoutMs, signal: opts.signal },
  );
}

export function reasonOf(err: unknown, timeoutMs: number): string {
  const seconds = Math.round(timeoutMs / 1000);
  if (err instanceof PageDeadlineError) return `页面在 ${seconds} 秒内未能完成截图`;
  if (err instanceof OffHostError) return `${err.message}，未截图`;
  const message = err instanceof Error ? err.message : String(err);
  if (/Timeout|timed out/i.test(message)) return `页面加载超时（${seconds} 秒）`;
  if (/ERR_CONNECTION_REFUSED/.test(message)) return '无法连接网站（连接被拒绝）';
  if (/ERR_TUNNEL_CONNECTION_FAILED|ERR_ADDRESS_UNREACHABLE|ERR_TIMED_OUT/.test(message)) return '无法连接网站';
  if (/ERR_NAME_NOT_RESOLVED/.test(message)) return '无法解析网站域名';
  if (/ERR_CONNECTION_(RESET|CLOSED)|ERR_EMPTY_RESPONSE/.test(message)) return '网站中断了连接';
  if (/ERR_(CERT|SSL)/.test(message)) return '网站证书或加密连接有误';
  if (/Download is starting|ERR_ABORTED/.test(message)) return '该地址是附件下载，无法截图';
  if (/ERR_INTERNET_DISCONNECTED|ERR_NETWORK/.test(message)) return '网络不可用';
  if (/Failed to launch|找不到 Chromium|ZWGK_CHROMIUM/.test(message)) return '浏览器无法启动（请检查 Chromium 安装），未能截图';
  if (/closed|已取消/i.test(message)) return '截图已取消';
  return '页面无法打开，未能截图';
}

/**
 * Runs in the page (a string, so no bundler helper leaks in): finds the
 * deepest element whose text contains the needle (whitespace ignored; then
 * title attributes; then the needle's first 12 characters, as lists often
 * truncate titles), in the page or its same-origin iframes, outlines its list
 * row (li/tr) or itself in red on a yellow tint and scrolls it to the middle
 * of the viewport.
 */
const HIGHLIGHT = `(needle) => {
  const norm = (s) => (s || '').replace(/\\s+/g, '');
  const whole = norm(needle);
  if (!whole) return false;
  const deepest = (root, test) => {
    if (!root || !test(root)) return null;
    let el = root;
    for (;;) {
      const next = Array.from(el.children).find(test);
      if (!next) return el;
      el = next;
    }
  };
  const find = (doc) => {
    const body = doc.body;
    if (!body) return null;
    const tests = [
      (el) => norm(el.textContent).includes(whole),
      (el) => norm(el.getAttribute('title')).includes(whole) || Array.from(el.querySelectorAll('[title]')).some((t) => norm(t.getAttribute('title')).includes(whole)),
    ];
    if (whole.length > 12) tests.push((el) => norm(el.textContent).includes(whole.slice(0, 12)));
    for (const test of tests) {
      const hit = deepest(body, test);
      if (hit && hit !== body) return hit;
    }
    for (const frame of Array.from(doc.querySelectorAll('iframe, frame'))) {
      let inner = null;
      try { inner = frame.contentDocument; } catch { inner = null; }
      const hit = inner && find(inner);
      if (hit) {
        frame.scrollIntoView({ block: 'center' });
        return hit;
      }
    }
    return null;
  };
  const hit = find(document);
  if (!hit) return false;
  // The list row, unless that "row" is a page-layout table row holding much more than the hit.
  let row = hit.closest('li, tr');
  if (!row || norm(row.textContent).length > norm(hit.textContent).length + 120) row = hit;
  row.style.setProperty('outline', '3px solid #e00000', 'important');
  row.style.setProperty('outline-offset', '2px', 'important');
  row.style.setProperty('background-color', 'rgba(255, 235, 59, 0.35)', 'important');
  row.scrollIntoView({ block: 'center', inline: 'nearest' });
  return true;
}`;

/** A small fixed strip at the bottom naming the address and the time of capture, as paper evidence needs. */
const CAPTION = `(text) => {
  const bar = document.createElement('div');
  bar.textContent = text;
  bar.setAttribute('style', 'position:fixed;left:0;right:0;bottom:0;z-index:2147483647;padding:3px 10px;font:12px/18px sans-serif;color:#fff;background:rgba(0,0,0,.72);white-space:nowrap;overflow:hidden;text-overflow:ellipsis;pointer-events:none');
  (document.body || document.documentElement).appendChild(bar);
}`;
