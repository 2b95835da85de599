import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { closeBrowser } from '../../src/browser/chromium.ts';
import { crawlUnits } from '../../src/crawl/crawl-run.ts';
import { DEFAULT_SCHEME, loadScheme, type Scheme } from '../../src/config/scheme.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import type { UnitSnapshot } from '../../src/model/snapshot.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { parseUnitsCsv } from '../../src/config/units.ts';
import { startFixturePortal, type FixturePortal } from '../../fixtures/server.ts';
import type { GroundTruth } from '../../fixtures/portal/ground-truth.ts';

/**
 * The whole sample portal through the real crawler (browser included), held
 * against fixtures/portal/ground-truth.json: every unit's columns (path, list
 * address, category), item counts and newest dates, hidden columns skipped,
 * the annual reports and interpretations fetched as articles. Then the
 * portal one week later: first-seen instants kept, new items counted,
 * unchanged pages answered 304 and taken from the store.
 */
const truth = JSON.parse(readFileSync(new URL('../../fixtures/portal/ground-truth.json', import.meta.url), 'utf8')) as GroundTruth;

let portal: FixturePortal;
let dir: string;
let scheme: Scheme;
let store: Store;
let first: UnitSnapshot[];
let second: UnitSnapshot[];
let firstRequests: number;
const measured = { wallMs: 0, peakRssMb: 0 };

beforeAll(async () => {
  portal = await startFixturePortal();
  dir = mkdtempSync(join(tmpdir(), 'zwgk-portal-'));
  scheme = loadScheme(DEFAULT_SCHEME);
  store = await openStore(join(dir, 'data'));
  const units = parseUnitsCsv(portal.unitsCsv(), 'units.csv');
  // The province site (127.0.0.2, loopback) is allowed for link checks, as an operator would allow it.
  const network = { minIntervalMs: 0, allowHosts: [new URL(portal.provinceUrl).host] };
  // The planted links that never answer (dead-link's cases) cost linkTries × this, not the default 10 s each.
  const fetch = { linkTimeoutMs: 1500 };
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = Date.now();
  first = await crawlUnits(units, { plan: planGather(scheme), store, network, fetch, bounds: { contextYear: 2021 } });
  measured.wallMs = Date.now() - t0;
  clearInterval(sampler);
  measured.peakRssMb = Math.round(peak / 1024 / 1024);
  firstRequests = portal.requests.length;
  // Visible in the test log: the figures the crawl-engine report quotes.
  console.log(`fixture portal crawl: ${measured.wallMs} ms, peak RSS ${measured.peakRssMb} MB, ${firstRequests} requests`);

  portal.setGeneration(2);
  second = await crawlUnits(units, { plan: planGather(scheme), store, network, fetch, bounds: { contextYear: 2021 } });
}, 180_000);

afterAll(async () => {
  await closeBrowser();
  await portal?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const snapOf = (snaps: UnitSnapshot[], id: string) => snaps.find((s) => s.unit.id === id)!;
const newest = (dates: (string | null)[]) => dates.filter((d): d is string => d !== null).sort().at(-1) ?? null;

describe('first crawl against the ground truth', () => {
  it('every unit was crawled and read completely', () => {
    expect(first.map((s) => s.unit.id)).toEqual(truth.units.map((u) => u.id));
    for (const s of first) {
      expect(s.failures, s.unit.id).toEqual([]);
      expect(s.status, s.unit.id).toBe('ok');
    }
  });

  describe.each(truth.units.map((u) => [u.id, u] as const))('%s', (id, unit) => {
    it('columns: paths, list addresses, categories; hidden ones skipped', () => {
      const s = snapOf(first, id);
      const visible = unit.columns.filter((c) => !c.hidden);
      expect(s.columns.map((c) => c.key).sort()).toEqual(visible.map((c) => c.key).sort());
      for (const c of visible) {
        const got = s.columns.find((x) => x.key === c.key)!;
        expect([got.path, got.url, got.category], c.key).toEqual([c.path, portal.baseUrl + c.listPath, c.category]);
      }
    });

    it('item counts and newest dates of every column', () => {
      const s = snapOf(first, id);
      for (const c of unit.columns.filter((x) => !x.hidden)) {
        const got = s.columns.find((x) => x.key === c.key)!;
        expect([got.status, got.items.length, newest(got.items.map((i) => i.date))], c.key).toEqual(['ok', c.items, c.newest]);
      }
    });

    it('annual reports and this year’s interpretations were fetched as articles with their dates', () => {
      const s = snapOf(first, id);
      for (const r of unit.annualReports) {
        const a = s.articles[portal.baseUrl + r.urlPath];
        expect(a?.fetched, r.urlPath).toBe(true);
        expect(a!.published).toBe(r.published);
        expect(a!.title).toMatch(/年度报告/);
      }
      for (const i of unit.interpretations) {
        const a = s.articles[portal.baseUrl + i.urlPath];
        expect(a?.fetched, i.urlPath).toBe(true);
        expect(a!.published).toBe(i.published);
        // Every body link of an interpretation carries its check result.
        for (const link of a!.links) expect(link.check, `${i.urlPath} → ${link.url}`).toBeDefined();
      }
    });
  });

  it('the Hanweb list announcing more records than the page holds: the rest came from dataproxy', () => {
    const col = snapOf(first, 'sfj').columns.find((c) => c.key === '通知公告')!;
    const expected = truth.units.find((u) => u.id === 'sfj')!.columns.find((c) => c.key === '通知公告')!;
    expect(expected.items).toBe(60);
    expect(col.items).toHaveLength(expected.items);
    expect(col.pages[0]).toMatchObject({ source: 'static', items: 45 });
    expect(col.pages.filter((p) => p.source === 'endpoint' && /dataproxy\.jsp/.test(p.url)).length).toBeGreaterThan(0);
  });

  it('the planted broken interpretation link is in its check only: the unit is read completely', () => {
    const rsj = snapOf(first, 'rsj');
    const broken = `${portal.baseUrl}/rsj/zwgk/content.jsp?id=6999`;
    const link = Object.values(rsj.articles).flatMap((a) => a.links).find((l) => l.url === broken);
    expect(link?.check).toMatchObject({ ok: false, status: 404 });
    expect(rsj.failures).toEqual([]);
    expect(rsj.articles[broken]).toBeUndefined();
    expect(rsj.status).toBe('ok');
  });

  it('the GBK unit reads as Chinese, no replacement characters', () => {
    const tgz = snapOf(first, 'tgz');
    const titles = tgz.columns.flatMap((c) => c.items.map((i) => i.title)).join('');
    expect(titles).toMatch(/[\u4e00-\u9fff]{20}/);
    expect(titles).not.toContain('\uFFFD');
  });

  it('the farm unit needed its iframe and the browser; the rest of the portal did not', () => {
    const hgs = snapOf(first, 'hgs');
    const sources = new Set(hgs.columns.flatMap((c) => c.pages.map((p) => p.source)));
    expect(sources).toContain('iframe');
    expect(sources).toContain('browser');
    expect(hgs.stats.browserRenders).toBeGreaterThan(0);
  });

  it('stayed on the portal: the allowed province host only for link checks, never crawled', () => {
    const province = portal.requests.slice(0, firstRequests).filter((r) => r.url.startsWith(portal.provinceUrl));
    expect(province.length).toBeGreaterThan(0); // the reposted policy link of rsj was checked
    expect(province.length).toBeLessThanOrEqual(3);
  });
});

describe('one week later', () => {
  it('first-seen instants of items already seen are kept; new items are seen later', () => {
    for (const s2 of second) {
      const s1 = snapOf(first, s2.unit.id);
      const before = new Map(s1.columns.flatMap((c) => c.items.map((i) => [i.url, i.firstSeen] as const)));
      for (const item of s2.columns.flatMap((c) => c.items)) {
        const seen = before.get(item.url);
        if (seen) expect(item.firstSeen, item.url).toBe(seen);
        else expect(item.firstSeen > s1.startedAt, item.url).toBe(true);
      }
    }
  });

  it('the items added in generation 2 are found, with their dates', () => {
    for (const added of truth.generation2.added) {
      const col = snapOf(second, added.unit).columns.find((c) => c.key === added.column)!;
      const item = col.items.find((i) => i.url === portal.baseUrl + added.urlPath);
      expect(item?.date, `${added.unit} ${added.urlPath}`).toBe(added.date);
    }
    for (const unit of truth.units) {
      for (const c of unit.columns.filter((x) => x.generation2)) {
        const got = snapOf(second, unit.id).columns.find((x) => x.key === c.key)!;
        expect([got.items.length, newest(got.items.map((i) => i.date))], `${unit.id} ${c.key}`).toEqual([c.generation2!.items, c.generation2!.newest]);
      }
    }
  });

  it('unchanged pages came back 304 and were read from the store', () => {
    const sum = (snaps: UnitSnapshot[], key: 'bytes' | 'pages' | 'notModified') => snaps.reduce((n, s) => n + (s.stats[key] ?? 0), 0);
    expect(sum(first, 'notModified')).toBe(0);
    // Articles do not change in a week; list pages with new items (and pages stamped with their build time) do.
    expect(sum(second, 'notModified')).toBeGreaterThan(sum(second, 'pages') / 3);
    expect(sum(second, 'bytes')).toBeLessThan(sum(first, 'bytes'));
    expect(store.listSnapshots('jtj')).toHaveLength(2);
  });
});
