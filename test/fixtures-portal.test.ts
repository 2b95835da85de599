import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groundTruth, type GroundTruth } from '../fixtures/portal/ground-truth.ts';
import { AS_OF, buildPortal } from '../fixtures/portal/model.ts';
import { href } from '../fixtures/portal/render/common.ts';
import { Site } from '../fixtures/portal/site.ts';
import { UNITS } from '../fixtures/portal/units/index.ts';
import { PROVINCE_PENSION_PATH } from '../fixtures/portal/units/rsj.ts';
import { startFixturePortal, type FixturePortal } from '../fixtures/server.ts';
import { daysBetween } from '../src/time/shanghai.ts';

const committed = JSON.parse(readFileSync(new URL('../fixtures/portal/ground-truth.json', import.meta.url), 'utf8')) as GroundTruth;

let portal: FixturePortal;
beforeAll(async () => {
  portal = await startFixturePortal();
});
afterAll(async () => {
  await portal?.close();
});

async function get(path: string, init?: RequestInit): Promise<Response> {
  return fetch(portal.baseUrl + path, init);
}

describe('sample portal server', () => {
  it('listens on loopback: the portal on 127.0.0.1, the province site on 127.0.0.2', async () => {
    expect(portal.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(portal.provinceUrl).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    const res = await get('/robots.txt');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/User-agent: \*\s+Allow: \//);
  });

  it('stops answering after close', async () => {
    const other = await startFixturePortal();
    expect((await fetch(`${other.baseUrl}/`)).status).toBe(200);
    await other.close();
    await expect(fetch(`${other.baseUrl}/`)).rejects.toThrow();
  });

  it('gives the units CSV of the contract and writes it to a file', () => {
    const lines = portal.unitsCsv().trim().split('\n');
    expect(lines[0]).toBe('id,name,type,url');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['jtj', 'wjw', 'sfj', 'rsj', 'xzz', 'tgz', 'hgs', 'ssz']);
    for (const line of lines.slice(1)) {
      const [id, , type, url] = line.split(',');
      expect(['department', 'town', 'farm']).toContain(type);
      expect(url).toBe(portal.baseUrl + committed.units.find((u) => u.id === id)!.indexPath);
    }
    const dir = mkdtempSync(join(tmpdir(), 'zwgk-fixture-'));
    try {
      portal.writeUnitsCsv(join(dir, 'units.csv'));
      expect(readFileSync(join(dir, 'units.csv'), 'utf8')).toBe(portal.unitsCsv());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers 200 on every unit's index and every column's list page, and logs each request", async () => {
    const before = portal.requests.length;
    const paths = committed.units.flatMap((u) => [u.indexPath, ...u.columns.map((c) => c.listPath)]);
    for (const path of paths) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
    }
    const logged = portal.requests.slice(before);
    expect(logged.map((r) => r.url)).toEqual(paths.map((p) => portal.baseUrl + p));
    expect(logged.every((r) => r.method === 'GET')).toBe(true);
  });

  it('renders every page of both generations without error', () => {
    for (const g of [1, 2] as const) {
      const site = new Site(g, 'http://127.0.0.2:1');
      const paths = site.paths();
      expect(paths.length).toBeGreaterThan(900);
      for (const p of paths) expect(site.handle('GET', p, '').status, p).toBe(200);
    }
  });

  it('answers 404 for pages that do not exist', async () => {
    expect((await get('/xxgk/jtj/tzgg/index_9.html')).status).toBe(404);
    expect((await get('/rsj/zwgk/content.jsp?id=6999')).status).toBe(404);
  });
});

describe('the GBK unit (棠浦镇)', () => {
  it('is GBK on the wire, declared only in <meta charset=gbk>', async () => {
    const tgz = committed.units.find((u) => u.id === 'tgz')!;
    expect(tgz.charset).toBe('gbk');
    for (const path of [tgz.indexPath, tgz.columns[0]!.listPath]) {
      const res = await get(path);
      expect(res.headers.get('content-type')).toBe('text/html');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
      expect(bytes.includes(iconv.encode('棠浦镇', 'gbk'))).toBe(true);
      const text = iconv.decode(bytes, 'gbk');
      expect(text).toContain('<meta charset=gbk>');
      expect(text).not.toContain('\ufffd');
    }
  });

  it('shows Chinese, slash and [MM-DD] dates, and a pinned old item first', async () => {
    const text = async (p: string) => iconv.decode(Buffer.from(await (await get(p)).arrayBuffer()), 'gbk');
    const tgz = committed.units.find((u) => u.id === 'tgz')!;
    const col = (name: string) => tgz.columns.find((c) => c.name === name)!.listPath;
    expect(await text(col('政策文件'))).toMatch(/<td class="d" align="right">2020年12月15日<\/td>/);
    const notices = await text(col('通知公告'));
    expect(notices).toMatch(/\[置顶\][^\n]*<\/td>\n<td class="d" align="right">2019\/4\/2<\/td>/);
    expect(notices.indexOf('[置顶]')).toBeLessThan(notices.indexOf('2021/1/11'));
    const interp = await text(col('政策解读'));
    expect(interp).toMatch(/\[09-22\]/);
    expect(interp).not.toMatch(/2020-09-22|2020年9月22日/);
    expect(interp).toMatch(/href="\.\.\/\.\.\/show\.asp\?id=\d+"/);
  });
});

describe('conditional requests', () => {
  it('sends ETag and Last-Modified on static pages and answers 304 when unchanged', async () => {
    const path = '/xxgk/jtj/jgzn/index.html';
    const first = await get(path);
    const etag = first.headers.get('etag');
    const lastModified = first.headers.get('last-modified');
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect(lastModified).toBeTruthy();
    const byTag = await get(path, { headers: { 'If-None-Match': etag! } });
    expect(byTag.status).toBe(304);
    expect((await byTag.arrayBuffer()).byteLength).toBe(0);
    expect((await get(path, { headers: { 'If-Modified-Since': lastModified! } })).status).toBe(304);
    expect((await get(path, { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
    const earlier = new Date(Date.parse(lastModified!) - 86_400_000).toUTCString();
    expect((await get(path, { headers: { 'If-Modified-Since': earlier } })).status).toBe(200);
  });

  it('does not validate dynamic endpoint answers', async () => {
    const res = await get('/queryList?webSiteCode=xzz&channelCode=col2105');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeNull();
  });
});

describe('province site', () => {
  it('serves the province policy that an interpretation of 县人社局 links to', async () => {
    const res = await fetch(portal.provinceUrl + PROVINCE_PENSION_PATH);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('关于2020年调整退休人员基本养老金的通知');
    expect((await fetch(`${portal.provinceUrl}/robots.txt`)).status).toBe(200);
    const reposted = committed.findings.filter((f) => f.unit === 'rsj' && f.code === 'reposted');
    const pages = await Promise.all(reposted.map(async (f) => (await get(f.urlPath)).text()));
    expect(pages.some((html) => html.includes(`href="${portal.provinceUrl}${PROVINCE_PENSION_PATH}"`))).toBe(true);
    expect(pages.some((html) => html.includes('来源：江西省人力资源和社会保障厅'))).toBe(true);
  });
});

describe('platform endpoints', () => {
  it('集约化 lists are empty in the markup and complete through /queryList', async () => {
    const xzz = committed.units.find((u) => u.id === 'xzz')!;
    for (const col of xzz.columns) {
      const html = await (await get(col.listPath)).text();
      expect(html).toContain('<base href="/xzz/">');
      expect(html).not.toMatch(/<li>\s*<a href='art\//);
      const code = /channelCode: \['(col\d+)'\]/.exec(html)![1]!;
      const seen: string[] = [];
      for (let page = 1; page <= col.pages; page++) {
        const res = await get('/queryList', {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: `current=${page}&pageSize=15&webSiteCode[]=xzz&channelCode[]=${code}&sort=sortNum&order=desc`,
        });
        const data = ((await res.json()) as { data: { total: number; results: { source: { urls: string } }[] } }).data;
        expect(data.total).toBe(col.items);
        seen.push(...data.results.map((r) => (JSON.parse(r.source.urls) as { pc: string }).pc));
      }
      expect(new Set(seen).size).toBe(col.items);
      for (const pc of seen.slice(0, 2)) {
        expect(pc).toMatch(/^art\//);
        expect((await get(`/xzz/${pc}`)).status).toBe(200);
      }
    }
  });

  it('Hanweb lists hold the first 45 records; dataproxy.jsp gives the rest', async () => {
    const col = committed.units.find((u) => u.id === 'sfj')!.columns.find((c) => c.name === '通知公告')!;
    expect(col.items).toBeGreaterThan(45);
    const html = await (await get(col.listPath)).text();
    expect(html.match(/<record>/g)).toHaveLength(45);
    const res = await get('/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'col=1&appid=1&webid=3&path=/&columnid=3106&sourceContentType=1&unitid=4106&permissiontype=0',
    });
    const xml = await res.text();
    expect(xml.match(/<record>/g)).toHaveLength(col.items - 45);
    expect(xml).toContain(`<totalrecord>${col.items}</totalrecord>`);
  });
});

describe('generation 2 (one week later)', () => {
  it('changes the pages that gained items and keeps the others unchanged', async () => {
    const jtj = committed.units.find((u) => u.id === 'jtj')!;
    const notices = jtj.columns.find((c) => c.name === '通知公告')!;
    const org = jtj.columns.find((c) => c.name === '机构职能')!;
    portal.setGeneration(1);
    const before = await get(notices.listPath);
    const beforeTag = before.headers.get('etag')!;
    const beforeHtml = await before.text();
    const orgTag = (await get(org.listPath)).headers.get('etag')!;
    portal.setGeneration(2);
    try {
      const after = await get(notices.listPath, { headers: { 'If-None-Match': beforeTag } });
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).not.toBe(beforeTag);
      expect(Date.parse(after.headers.get('last-modified')!)).toBeGreaterThan(Date.parse(before.headers.get('last-modified')!));
      const afterHtml = await after.text();
      const added = committed.generation2.added.filter((a) => a.unit === 'jtj' && a.column === '通知公告');
      expect(added.length).toBeGreaterThan(0);
      for (const a of added) {
        expect(beforeHtml).not.toContain(a.title);
        expect(afterHtml).toContain(a.title);
      }
      expect((await get(org.listPath, { headers: { 'If-None-Match': orgTag } })).status).toBe(304);

      const fixed = committed.units.find((u) => u.id === 'tgz')!.columns.find((c) => c.name === '规划计划')!;
      expect(fixed.generation2?.newest).toBe('2021-01-25');
      expect(iconv.decode(Buffer.from(await (await get(fixed.listPath)).arrayBuffer()), 'gbk')).toContain('[01-25]');

      const backdated = committed.generation2.added.filter((a) => a.backdated);
      expect(backdated).toHaveLength(1);
      expect(daysBetween(backdated[0]!.date, committed.generation2.date)).toBe(30);
      expect((await get(backdated[0]!.urlPath)).status).toBe(200);
    } finally {
      portal.setGeneration(1);
    }
    expect((await get(committed.generation2.added[0]!.urlPath)).status).toBe(404);
  });
});

describe('ground truth', () => {
  it('the committed ground-truth.json equals what the data gives (else run: npx tsx fixtures/portal/write-ground-truth.ts)', () => {
    expect(committed).toEqual(groundTruth());
  });

  it('planted column-update findings are exactly the stale and empty columns by the DESIGN rules', () => {
    const cutoff = '2020-07-24'; // 180 days before the as-of date 2021-01-20
    expect(daysBetween(cutoff, AS_OF)).toBe(180);
    const computed = committed.units.flatMap((u) =>
      u.columns
        .filter((c) => !c.hidden && c.category !== 'news')
        .flatMap((c) => {
          if (c.items === 0) return [`${u.id}/${c.key}/empty`];
          const stale =
            (c.category === 'regular' && c.newest! < cutoff) || (c.category === 'annual' && !c.newest!.startsWith(String(committed.year)));
          return stale ? [`${u.id}/${c.key}/stale`] : [];
        }),
    );
    const planted = committed.findings.filter((f) => f.rule === 'column-update').map((f) => `${f.unit}/${f.column}/${f.code}`);
    expect(computed.sort()).toEqual(planted.sort());
    expect(planted.filter((p) => p.startsWith('sfj/'))).toHaveLength(5);
  });

  it('annual reports: dates as planted, honest years differ, the copied one does not, the incomplete one lacks two parts', async () => {
    const report = (unit: string, year: number) => committed.units.find((u) => u.id === unit)!.annualReports.find((r) => r.year === year);
    expect(report('wjw', 2019)!.published).toBe('2020-03-05');
    expect(report('hgs', 2019)!.published).toBe('2020-02-20');
    expect(report('xzz', 2019)).toBeUndefined();
    expect(report('xzz', 2018)).toBeDefined();
    const text = async (path: string) => {
      const bytes = Buffer.from(await (await get(path)).arrayBuffer());
      const html = path.startsWith('/tgz/') ? iconv.decode(bytes, 'gbk') : bytes.toString('utf8');
      // From the report's own title to the links box that follows the article on every template.
      const body = /政府信息公开工作年度报告<\/strong><\/p>([\s\S]*?)<div class="other-units">/.exec(html)![1]!;
      return body.replace(/<[^>]+>/g, '').replace(/[\s\d]/g, '');
    };
    const grams = (s: string) => new Set(Array.from({ length: s.length - 3 }, (_, i) => s.slice(i, i + 4)));
    const containment = (a: Set<string>, b: Set<string>) => [...a].filter((g) => b.has(g)).length / a.size;
    for (const unit of ['jtj', 'wjw', 'sfj', 'rsj', 'tgz', 'hgs', 'ssz']) {
      const newer = grams(await text(report(unit, 2019)!.urlPath));
      const older = grams(await text(report(unit, 2018)!.urlPath));
      const score = containment(newer, older);
      if (unit === 'sfj') expect(score, unit).toBeGreaterThan(0.9);
      else expect(score, unit).toBeLessThan(0.6);
    }
    const rsj2019 = await text(report('rsj', 2019)!.urlPath);
    expect(rsj2019).not.toMatch(/行政复议|行政诉讼|存在的主要问题/);
    const jtj2019 = await text(report('jtj', 2019)!.urlPath);
    for (const part of ['一、总体情况', '二、主动公开政府信息情况', '三、收到和处理政府信息公开申请情况', '四、政府信息公开行政复议、行政诉讼情况', '五、存在的主要问题及改进情况', '六、其他需要报告的事项']) {
      expect(jtj2019).toContain(part);
    }
  });

  it("interpretations' links work except the planted broken one; the no-link one has none", async () => {
    const portal1 = buildPortal(UNITS, 1);
    const ctx = { portal: portal1, provinceOrigin: portal.provinceUrl };
    const planted = new Map(committed.findings.filter((f) => f.rule === 'interpretation-link').map((f) => [f.urlPath, f.code]));
    for (const unit of committed.units) {
      for (const interp of unit.interpretations) {
        const item = portal1.itemsByPath.get(interp.urlPath)!;
        const links = item.spec.article?.links ?? [];
        if (planted.get(interp.urlPath) === 'no-link') {
          expect(links).toHaveLength(0);
          continue;
        }
        expect(links.length, interp.urlPath).toBeGreaterThan(0);
        const html = await (await get(interp.urlPath)).text();
        for (const link of links) {
          const target = href(ctx, link.target);
          expect(html).toContain(`href="${target}"`);
          const status = (await fetch(target.startsWith('http') ? target : portal.baseUrl + target)).status;
          expect(status, `${interp.urlPath} → ${target}`).toBe(planted.get(interp.urlPath) === 'broken-link' ? 404 : 200);
        }
      }
    }
    expect(committed.notAssessed.map((n) => n.unit).sort()).toEqual(['sfj', 'ssz']);
  });
});
