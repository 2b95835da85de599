import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverColumns, parseArticle, parseList } from '../../src/crawl/parse/index.ts';

const REAL = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'realpages');
const hasReal = existsSync(REAL);
if (!hasReal) console.warn(`[parse-robust] ${REAL} is absent: real-page checks are skipped`);

describe('parsers on odd input', () => {
  it.each(['', 'plain text, no markup', '<html><body><a href="javascript:void(0)">x</a><a>y</a><a href="http://[bad">z</a></body>', '<<<>>><!--', '<datastore><recordset></recordset></datastore>'])(
    'do not throw on %j',
    (html) => {
      expect(parseList(html, 'http://h/x/index.html')).toMatchObject({ items: [], nextPages: [] });
      expect(discoverColumns(html, 'http://h/x/index.html')).toEqual([]);
      expect(parseArticle(html, 'http://h/x/a.html')).toMatchObject({ published: null, written: null, links: [] });
    },
  );
});

describe.skipIf(!hasReal)('every real HTML page through every parser', () => {
  const pages = hasReal
    ? readdirSync(REAL, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .flatMap((d) => readdirSync(join(REAL, d.name)).filter((f) => f.endsWith('.html')).map((f) => join(d.name, f)))
    : [];

  it('covers all the saved pages', () => {
    expect(pages.length).toBeGreaterThanOrEqual(15);
  });

  it.each(pages)('%s parses quickly, with absolute addresses only', (page) => {
    const html = readFileSync(join(REAL, page), 'utf8');
    const url = 'http://portal.example.gov.cn/a/b/index.html';
    const t0 = performance.now();
    const list = parseList(html, url, { contextYear: 2021 });
    const cols = discoverColumns(html, url);
    const art = parseArticle(html, url);
    // Generous bound for a loaded CI machine; a page takes a few milliseconds per parser when warm.
    expect(performance.now() - t0).toBeLessThan(2000);
    const urls = [...list.items.map((i) => i.url), ...list.nextPages, ...list.iframes, ...cols.map((c) => c.url), ...art.links.map((l) => l.url)];
    for (const u of urls) expect(u, page).toMatch(/^https?:\/\/[^/]+\//);
    for (const i of list.items) if (i.date !== null) expect(i.date, page).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(new Set(cols.map((c) => c.path.join('/'))).size, page).toBe(cols.length);
    expect(new Set(list.nextPages).size, page).toBe(list.nextPages.length);
    expect(list.nextPages, page).not.toContain(url);
  });
});
