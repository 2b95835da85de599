import type { Page } from 'playwright-core';
import { MASK_PAGE_SCRIPT } from '../lib/personal-data.ts';
import { fmtInstant } from '../lib/time.ts';
import type { NetworkPolicy } from '../net/policy.ts';
import { OffHostError, PageDeadlineError, withPage } from './chromium.ts';

/**
 * One evidence screenshot (佐证截图): the page scrolled to the element a
 * finding concerns, that element outlined and labelled 「问题所在」, and the
 * picture cut to the region around it under a banner naming the address and
 * the time. When the element cannot be found the banner says so and the
 * picture is the top of the page.
 */

/**
 * What locates the element a finding is about on its page (from the finding:
 * its highlight text, the link address or the newest item's date it observed).
 */
export interface Locator {
  /** Text of the element: a list title, a link's text, the sentence or heading the rule relied on. */
  text: string;
  /** The address a link points to: a link to it is the element (a broken link, a policy's 原文链接). */
  href?: string;
  /** Text the element's row also holds (the newest item's date): picks the dated row among places naming the title. */
  near?: string;
}

export interface Shot {
  png: Buffer;
  /** The element was found, outlined and labelled, and the outline covers it within the picture (checked in the page). */
  pointed: boolean;
}

/** Context kept above and below the outlined element, in CSS pixels. */
const CONTEXT_PX = 180;
const MIN_REGION_PX = 420;
const BANNER_PX = 26;
/** The 「问题所在」 label's height above the outline (LOCATE places it). */
const LABEL_PX = 27;
const VIEWPORT = { width: 1280, height: 900 };

export interface ScreenshotOptions {
  /** Where the browser may go (the units file's hosts), through the policy's proxy. */
  policy: NetworkPolicy;
  signal?: AbortSignal;
}

export interface Located {
  found: boolean;
  covers: boolean;
  /** The outline's box in viewport pixels. */
  box?: { x: number; y: number; width: number; height: number };
}

/**
 * One page in a fresh context with a hard deadline (withPage closes it, which
 * also ends a page script that never yields). A page that went off the units
 * file's hosts, in any frame, gives no picture (OffHostError). The only
 * scripts run beyond the page's own are the masking, locating and banner
 * scripts below, all in the page and all through the same policy.
 */
export async function screenshot(url: string, locator: Locator | null, timeoutMs: number, opts: ScreenshotOptions): Promise<Shot> {
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
      const located = await locate(page, locator);
      const region = located.found && located.box ? regionAround(located.box) : { y: 0, height: VIEWPORT.height };
      const where = locator?.text && !located.found ? `　未能在页面中找到问题所在（“${clip(locator.text)}”），以下为页面顶部` : '';
      const caption = `佐证截图　${page.url()}　${fmtInstant(new Date().toISOString())}${where}`;
      // The banner tops the region, unless the element (and its label) sits there, at the very top of the page.
      const atTop = located.box !== undefined && located.box.y - LABEL_PX < region.y + BANNER_PX;
      const bannerTop = atTop ? region.y + region.height - BANNER_PX : region.y;
      await page.evaluate(`(${BANNER})(${JSON.stringify({ text: caption, top: bannerTop, warn: where !== '' })})`).catch(() => {});
      const png = await page.screenshot({ type: 'png', clip: { x: 0, y: region.y, width: VIEWPORT.width, height: region.height }, animations: 'disabled', timeout: left() });
      // A navigation during the capture counts too.
      guard.assertUsable();
      return { png, pointed: located.found && located.covers };
    },
    { viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' },
    { deadlineMs: timeoutMs, signal: opts.signal },
  );
}

/** Finds, outlines, labels and scrolls to the locator's element (LOCATE); a page script that breaks it counts as not found. */
export async function locate(page: Page, locator: Locator | null): Promise<Located> {
  const none = { found: false, covers: false };
  if (!locator?.text) return none;
  return ((await page.evaluate(`(${LOCATE})(${JSON.stringify(locator)})`).catch(() => null)) as Located | null) ?? none;
}

/** The rows of the viewport to picture: the banner, context above, the outlined element, context below. */
function regionAround(box: { y: number; height: number }): { y: number; height: number } {
  let top = Math.max(0, Math.floor(box.y) - CONTEXT_PX - LABEL_PX - BANNER_PX);
  let bottom = Math.min(VIEWPORT.height, Math.ceil(box.y + box.height) + CONTEXT_PX);
  if (bottom - top < MIN_REGION_PX) {
    const grow = MIN_REGION_PX - (bottom - top);
    top = Math.max(0, top - Math.ceil(grow / 2));
    bottom = Math.min(VIEWPORT.height, top + MIN_REGION_PX);
    top = Math.max(0, bottom - MIN_REGION_PX);
  }
  return { y: top, height: bottom - top };
}

function clip(text: string): string {
  return text.length > 30 ? `${text.slice(0, 30)}…` : text;
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
 * Runs in the page (a string, so no bundler helper leaks in), over the page
 * and its same-origin frames: finds the element of the locator — a link to
 * its href; else the innermost visible elements whose text (whitespace
 * ignored, NFKC-folded), then title attribute, then first 12 characters
 * (lists cut long titles), then letters and digits alone hold its text
 * (then, for label:value text, every value),
 * preferring one whose row holds the `near` text, then one outside a link
 * (a column's or article's own heading over the menu entry naming it), then
 * the row of the longest list (the column's own list over a 最新信息 box). Outlines the list row (li/tr/dd) or the element itself in red on a
 * yellow tint, labels it 「问题所在」, scrolls it to the middle of the
 * viewport, then checks that the outline covers the element and lies in the
 * viewport. Candidates are capped, so a crafted page costs at most a bounded
 * number of walks.
 */
const LOCATE = `(loc) => {
  // Full-width punctuation as the crawl's text has it (NFKC), whitespace ignored.
  const norm = (s) => (s || '').normalize('NFKC').replace(/\\s+/g, '');
  const whole = norm(loc.text);
  const near = norm(loc.near);
  const frames = [];
  const collect = (doc, chain) => {
    if (!doc || !doc.body || frames.length > 20) return;
    frames.push({ doc, chain });
    for (const f of Array.from(doc.querySelectorAll('iframe, frame'))) {
      let inner = null;
      try { inner = f.contentDocument; } catch { inner = null; }
      collect(inner, chain.concat([f]));
    }
  };
  collect(document, []);
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const innermost = (body, test) => {
    const out = [];
    const walk = (el) => {
      if (out.length >= 50) return;
      let inner = false;
      for (const c of Array.from(el.children)) if (test(c)) { inner = true; walk(c); }
      if (!inner && el !== body) out.push(el);
    };
    if (test(body)) walk(body);
    return out;
  };
  const rowOf = (hit) => {
    const row = hit.closest('li, tr, dd');
    return row && norm(row.textContent).length <= norm(hit.textContent).length + 120 ? row : hit;
  };
  const tests = [
    (el) => norm(el.textContent).includes(whole),
    (el) => norm(el.getAttribute('title')).includes(whole) || Array.from(el.querySelectorAll('[title]')).some((t) => norm(t.getAttribute('title')).includes(whole)),
  ];
  if (whole.length > 12) tests.push((el) => norm(el.textContent).includes(whole.slice(0, 12)));
  // Last, letters and digits only: a card whose labels and values the crawl joined with a colon of its own.
  const bare = (s) => norm(s).replace(/[^\\p{L}\\p{N}*]+/gu, '');
  const core = bare(loc.text);
  if (core) tests.push((el) => bare(el.textContent).includes(core));
  // And a 姓名:… 职务:… text read from a table: the element holding every value (its row), labels left aside.
  const values = loc.text.split(/\\s+/).map((p) => norm(p.split(/[:：]/).pop())).filter(Boolean);
  if (values.length > 1) tests.push((el) => { const t = norm(el.textContent); return values.every((v) => t.includes(v)); });
  let pick = null;
  const choose = (cands) => {
    const scored = cands.filter((c) => shown(c.hit)).map((c) => {
      const row = rowOf(c.hit);
      const dated = near && norm(row.textContent).includes(near) ? 1 : 0;
      const plain = c.hit.closest('a') ? 0 : 1;
      return { ...c, row, dated, plain, list: row.parentElement ? row.parentElement.children.length : 0 };
    });
    scored.sort((a, b) => b.dated - a.dated || b.plain - a.plain || b.list - a.list);
    return scored[0] || null;
  };
  if (loc.href) {
    const links = [];
    for (const f of frames) for (const a of Array.from(f.doc.querySelectorAll('a[href], area[href]'))) if (a.href === loc.href) links.push({ hit: a, chain: f.chain });
    pick = choose(links);
  }
  if (!pick && whole) {
    for (const test of tests) {
      const cands = [];
      for (const f of frames) for (const hit of innermost(f.doc.body, test)) cands.push({ hit, chain: f.chain });
      pick = choose(cands);
      if (pick) break;
    }
  }
  if (!pick) return { found: false, covers: false };
  const { hit, row, chain } = pick;
  row.style.setProperty('outline', '3px solid #e00000', 'important');
  row.style.setProperty('outline-offset', '2px', 'important');
  row.style.setProperty('background-color', 'rgba(255, 235, 59, 0.35)', 'important');
  for (const f of chain) f.scrollIntoView({ block: 'center' });
  row.scrollIntoView({ block: 'center', inline: 'nearest' });
  const doc = row.ownerDocument;
  const win = doc.defaultView;
  const r0 = row.getBoundingClientRect();
  const tag = doc.createElement('div');
  tag.textContent = '问题所在';
  tag.setAttribute('style', 'position:absolute;z-index:2147483646;padding:0 6px;font:bold 13px/20px sans-serif;color:#fff;background:#e00000;border-radius:2px;pointer-events:none;left:' + Math.max(0, r0.left + win.scrollX - 5) + 'px;top:' + Math.max(0, r0.top + win.scrollY - ${LABEL_PX}) + 'px');
  doc.body.appendChild(tag);
  // Into the top viewport's pixels: add each frame's offset.
  const toTop = (r) => {
    let x = r.left, y = r.top;
    for (const f of chain) { const fr = f.getBoundingClientRect(); x += fr.left + f.clientLeft; y += fr.top + f.clientTop; }
    return { x, y, width: r.width, height: r.height };
  };
  const pad = 5;
  const o = toTop(row.getBoundingClientRect());
  const box = { x: o.x - pad, y: o.y - pad, width: o.width + 2 * pad, height: o.height + 2 * pad };
  const t = toTop(hit.getBoundingClientRect());
  const outlined = win.getComputedStyle(row).outlineStyle === 'solid';
  const inside = t.x >= box.x - 1 && t.y >= box.y - 1 && t.x + t.width <= box.x + box.width + 1 && t.y + t.height <= box.y + box.height + 1;
  const inView = t.y >= 0 && t.y + Math.min(t.height, innerHeight) <= innerHeight && t.width > 0 && t.height > 0;
  return { found: true, covers: outlined && inside && inView, box };
}`;

/** The banner at the top of the pictured region naming the address and the time of capture, as paper evidence needs. */
const BANNER = `({ text, top, warn }) => {
  const bar = document.createElement('div');
  bar.textContent = text;
  bar.setAttribute('style', 'position:fixed;left:0;right:0;top:' + top + 'px;height:${BANNER_PX}px;z-index:2147483647;padding:4px 10px;box-sizing:border-box;font:12px/18px sans-serif;color:#fff;background:' + (warn ? 'rgba(140,70,0,.9)' : 'rgba(0,0,0,.78)') + ';white-space:nowrap;overflow:hidden;text-overflow:ellipsis;pointer-events:none');
  (document.body || document.documentElement).appendChild(bar);
}`;
