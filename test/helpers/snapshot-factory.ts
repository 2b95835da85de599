import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RuleContext } from '../../rules/types.ts';
import { loadScheme, type Scheme } from '../../src/scheme/scheme.ts';
import type { ArticleSnapshot, ColumnSnapshot, LinkRef, ListItem, Unit, UnitSnapshot } from '../../src/store/snapshot.ts';

/** Hand-made snapshots for rule and scoring tests: only what a test states differs from a clean unit. */

export const PORTAL = 'http://portal.test';
export const SCHEME_FILE = resolve(import.meta.dirname, '../../rules/schemes/yifeng-2020.yaml');
export const REALPAGES = resolve(import.meta.dirname, '../../../shared/realpages');

let cached: Scheme | undefined;
export function scheme(): Scheme {
  cached ??= loadScheme(SCHEME_FILE);
  return cached;
}

export function ctx(over: Partial<RuleContext> = {}): RuleContext {
  return { asOf: '2021-01-20', year: 2020, scheme: scheme(), portalHosts: ['portal.test'], ...over };
}

export function unit(over: Partial<Unit> = {}): Unit {
  const id = over.id ?? 'jtj';
  return { id, name: '县教育体育局', type: 'department', url: `${PORTAL}/xxgk/${id}/index.html`, ...over };
}

let seq = 0;
export function item(title: string, date: string | null, over: Partial<ListItem> = {}): ListItem {
  return {
    title,
    url: over.url ?? `${PORTAL}/art/${++seq}.html`,
    date,
    dateSource: date ? 'list' : null,
    firstSeen: '2021-01-19T20:00:00+08:00',
    ...over,
  };
}

export function column(key: string, items: ListItem[] = [], over: Partial<ColumnSnapshot> = {}): ColumnSnapshot {
  const path = key.split('/');
  return {
    key,
    name: path[path.length - 1]!,
    path,
    url: `${PORTAL}/col/${encodeURIComponent(key)}/index.html`,
    category: 'regular',
    status: 'ok',
    items,
    pages: [],
    notes: [],
    ...over,
  };
}

export function article(of: ListItem, columnKey: string, over: Partial<ArticleSnapshot> = {}): ArticleSnapshot {
  return {
    url: of.url,
    finalUrl: of.url,
    column: columnKey,
    fetched: true,
    title: of.title,
    published: of.date,
    written: null,
    source: null,
    docNumber: null,
    text: '',
    headings: [],
    links: [],
    ...over,
  };
}

export function link(url: string, text: string, over: Partial<LinkRef> = {}): LinkRef {
  return { url, text, context: text, check: { status: 200, ok: true }, ...over };
}

export function snapshot(over: Partial<UnitSnapshot> & { articles?: ArticleSnapshot[] | UnitSnapshot['articles'] } = {}): UnitSnapshot {
  const { articles, ...rest } = over;
  const u = rest.unit ?? unit();
  return {
    schemaVersion: 1,
    unit: u,
    crawlId: 'test-crawl',
    startedAt: '2021-01-20T01:00:00+08:00',
    finishedAt: '2021-01-20T01:05:00+08:00',
    status: 'ok',
    columns: [],
    failures: [],
    stats: { requests: 0, pages: 0, bytes: 0, browserRenders: 0, durationMs: 0 },
    ...rest,
    articles: Array.isArray(articles) ? Object.fromEntries(articles.map((a) => [a.url, a])) : (articles ?? {}),
  };
}

/** A real page from ../shared/realpages, or null when the folder is absent. */
export function realpage(rel: string): string | null {
  const file = resolve(REALPAGES, rel);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

export const haveRealpages = existsSync(REALPAGES);

/** The archiver's TEXT copy: its metadata lines and the body (page chrome the archiver kept removed). */
export function archivedText(raw: string): { title: string; published: string | null; source: string | null; body: string } {
  const meta = (key: string) => new RegExp(`^${key}: ?(.*)$`, 'm').exec(raw)?.[1]?.trim() || null;
  const body = raw
    .split('==================== 正文 ====================')[1]!
    .replace(/^[\s\S]*?相关链接：\s*-->/, '')
    .replace(/附件下载\s*$/, '')
    .trim();
  return { title: meta('标题') ?? '', published: meta('发布时间')?.slice(0, 10) ?? null, source: meta('发布机构'), body };
}
