import type { ArticleSnapshot, ColumnSnapshot, UnitSnapshot } from '../../src/model/snapshot.ts';
import type { Need } from '../api.ts';
import { clip } from './text.ts';

/** The pages of a unit that hold some matter (its 机构职能, its 指南): what was read, and what could not be. */
export interface MatterPages {
  read: ArticleSnapshot[];
  /** Pages that should have been read and were not, with why (for the inconclusive reason). */
  unread: { url: string; why: string }[];
}

/** What the crawl reads for `matterPages`: the columns' items and own pages, and items titled so in every judged column. */
export function matterNeeds(s: { columns: readonly string[]; titles: readonly string[] }): Need[] {
  return [
    { kind: 'articles', columns: s.columns, columnPage: true },
    { kind: 'articles', columns: 'judged', titles: s.titles },
  ];
}

/**
 * The content pages of columns whose page is the matter or lists it: each
 * item's article, or — for a column without items — the column's own page
 * (a 机构职能 or 指南 column that is itself the document), plus the articles
 * of items elsewhere whose title names the matter. Each page once.
 */
export function matterPages(snapshot: UnitSnapshot, columns: readonly ColumnSnapshot[], titled: (title: string) => boolean): MatterPages {
  const read: ArticleSnapshot[] = [];
  const unread: MatterPages['unread'] = [];
  const seen = new Set<string>();
  const take = (url: string, title: string) => {
    if (seen.has(url)) return;
    seen.add(url);
    const a = snapshot.articles[url];
    if (a?.fetched) read.push(a);
    else unread.push({ url, why: `“${clip(title, 30)}”${a?.failure ? `无法读取（${a.failure.reason}）` : '未读取'}` });
  };
  for (const column of columns) {
    if (column.items.length === 0) {
      for (const a of Object.values(snapshot.articles)) {
        if (a.column !== column.key || !a.fetched || seen.has(a.url)) continue;
        seen.add(a.url);
        read.push(a);
      }
    }
    for (const item of column.items) take(item.url, item.title);
  }
  for (const column of snapshot.columns) for (const item of column.items) if (titled(item.title)) take(item.url, item.title);
  return { read, unread };
}

/**
 * The page may hold content its text does not: no text at all (a file, a
 * scan), images in the body, attached files, or an attachment list drawn by
 * script. A matter not found in the text of such a page may still be there.
 */
export function hasOpaqueContent(a: ArticleSnapshot): boolean {
  return !a.text || (a.images ?? 0) > 0 || (a.downloads ?? []).some((d) => d.url !== a.url && d.url !== a.finalUrl) || a.scriptedAttachments === true;
}
