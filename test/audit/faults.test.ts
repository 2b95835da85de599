import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluationYear } from '../../src/audit/run-audit.ts';
import { closeBrowser } from '../../src/browser/chromium.ts';
import { crawlUnits, type CrawlRunOptions } from '../../src/crawl/crawl-run.ts';
import { DEFAULT_SCHEME, loadScheme, type Scheme } from '../../src/config/scheme.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import type { UnitResult } from '../../src/model/result.ts';
import { judgeUnit } from '../../src/judge/run-rules.ts';
import { scoreUnits } from '../../src/scoring/score.ts';
import type { UnitSnapshot } from '../../src/model/snapshot.ts';
import { openStore } from '../../src/store/store.ts';
import { readUnitsCsv } from '../../src/config/units.ts';
import { expectDataFilesParse, walkFiles } from '../helpers/faults-files.ts';
import { startFaultyPortal, type FaultyPortal } from '../../fixtures/faulty/portal.ts';
import { FAULTY_AS_OF, FAULTY_TRUTH, FAULTY_UNITS, UNREACHABLE_UNITS, type Expectation } from '../../fixtures/faulty/units.ts';

/**
 * The faulty portal through the real crawler, rules and scoring (the stages
 * runAudit strings together, with short timeouts): every faulted place yields
 * an inconclusive check with its reason and never a finding; unreachable
 * units lose nothing; bounds hold; one unit's trouble never stops another.
 */
const MAX_PAGES = 6;
const CRAWL: Omit<CrawlRunOptions, 'plan' | 'store'> = {
  concurrency: 4,
  unitConcurrency: 6,
  fetch: { timeoutMs: 1000, tries: 2, backoffMs: 30, maxRetryAfterMs: 1200, maxBytes: 2 * 1024 * 1024, maxRedirects: 5 },
  network: { minIntervalMs: 0 },
  bounds: { maxPagesPerColumn: MAX_PAGES, unitTimeMs: 20_000, contextYear: 2020 },
};

let portal: FaultyPortal;
let dataDir: string;
let scheme: Scheme;
let snapshots: UnitSnapshot[];
let results: Map<string, UnitResult>;
let crawlMs: number;

function judge(snaps: UnitSnapshot[]): Map<string, UnitResult> {
  const ctx = { asOf: FAULTY_AS_OF, year: evaluationYear(FAULTY_AS_OF), scheme, portalHosts: [new URL(portal.baseUrl).host] };
  const judged = snaps.map((snapshot) => judgeUnit(snapshot, ctx));
  return new Map(scoreUnits(judged, scheme, []).map((u) => [u.id, u]));
}

beforeAll(async () => {
  portal = await startFaultyPortal();
  dataDir = mkdtempSync(join(tmpdir(), 'zwgk-faults-'));
  const csv = join(dataDir, 'units.csv');
  portal.writeUnitsCsv(csv, FAULTY_UNITS.filter((u) => u.id !== 'slow').map((u) => u.id));
  scheme = loadScheme(DEFAULT_SCHEME);
  const store = await openStore(join(dataDir, 'data'));
  const t0 = Date.now();
  snapshots = await crawlUnits(readUnitsCsv(csv), { ...CRAWL, plan: planGather(scheme), store });
  crawlMs = Date.now() - t0;
  results = judge(snapshots);
}, 120_000);

afterAll(async () => {
  await closeBrowser();
  await portal?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const snap = (id: string) => snapshots.find((s) => s.unit.id === id)!;
const colDir = (e: Expectation) => portal.baseUrl + e.path.replace(/[^/]*$/, '');
const aboutColumn = (e: Expectation, x: { column?: string; url: string }) =>
  (e.column !== undefined && x.column === e.column) || x.url.startsWith(colDir(e));
const label = (e: Expectation) => `${e.unit} ${e.column ?? '首页'} (${e.fault})`;

describe('every unit is crawled whatever the others do', () => {
  it('one snapshot and one result per unit, in a bounded time', () => {
    const ids = FAULTY_UNITS.filter((u) => u.id !== 'slow').map((u) => u.id);
    expect(snapshots.map((s) => s.unit.id)).toEqual(ids);
    expect([...results.keys()].sort()).toEqual([...ids].sort());
    expect(crawlMs).toBeLessThan(60_000);
  });

  it('the control unit is judged: exactly its planted stale column, nothing inconclusive', () => {
    const hao = results.get('hao')!;
    expect(hao.findings.map((f) => [f.rule, f.code, f.column])).toEqual([['column-update', 'stale', '规划计划']]);
    expect(hao.inconclusive).toEqual([]);
    expect(hao.status).toBe('ok');
  });

  it('no faulted unit has any finding (their healthy content equals the control unit, which is clean)', () => {
    const wrong = [...results.values()]
      .filter((u) => u.id !== 'hao')
      .flatMap((u) => u.findings.map((f) => `${u.id}: ${f.rule}/${f.code} ${f.column ?? ''} ${f.url} — ${f.message}`));
    expect(wrong).toEqual([]);
  });
});

describe('unreachable units', () => {
  it.each(UNREACHABLE_UNITS)('%s: reported unreachable, with the reason, no deductions', (id) => {
    const s = snap(id);
    const r = results.get(id)!;
    expect(s.status).toBe('unreachable');
    expect(r.status).toBe('unreachable');
    expect(r.findings).toEqual([]);
    expect(r.inconclusive.length).toBeGreaterThan(0);
    for (const i of r.inconclusive) expect(i.reason).toMatch(/[\u4e00-\u9fff]/);
    expect(r.indicators.filter((i) => i.assessed).map((i) => [i.key, i.deducted])).toEqual(
      r.indicators.filter((i) => i.assessed).map((i) => [i.key, 0]),
    );
    expect(r.score).toBe(scheme.base);
  });
});

describe('ground truth: each faulted place', () => {
  const columnCases = FAULTY_TRUTH.filter((e) => e.column !== undefined).map((e) => [label(e), e] as const);

  it.each(columnCases)('%s', (_name, e) => {
    const s = snap(e.unit);
    const r = results.get(e.unit)!;
    const col = s.columns.find((c) => c.name === e.column);
    const isArticle = !e.path.endsWith('/index.html');

    // What the crawl recorded.
    const failedNow = isArticle || col?.status === 'failed';
    if (isArticle) {
      const art = Object.values(s.articles).find((a) => a.url === portal.baseUrl + e.path);
      expect(art, 'article attempted').toBeDefined();
      expect(art!.fetched).toBe(false);
      expect(e.outcome.failed).toContain(art!.failure?.kind);
    } else {
      expect(col, `column ${e.column} discovered`).toBeDefined();
      const failure = s.failures.find((f) => f.url.startsWith(colDir(e)));
      if (e.outcome.read && e.outcome.failed) {
        // Either read correctly or refused (undecodable, unparseable); never mojibake, never "no items".
        if (failedNow) expect(e.outcome.failed).toContain(failure?.kind);
        else {
          expect(col!.items.length).toBeGreaterThan(0);
          const titles = col!.items.map((i) => i.title);
          const expected = FAULTY_UNITS.find((u) => u.id === e.unit)!.columns.find((c) => c.name === e.column)!.items.map((i) => i.title);
          expect(titles.filter((t) => !expected.some((x) => t.includes(x))), 'titles decoded as served').toEqual([]);
        }
      } else if (e.outcome.read) {
        expect(col!.status, JSON.stringify(col!.notes)).not.toBe('failed');
        expect(col!.items.length).toBeGreaterThan(0);
      } else {
        expect(col!.status).toBe('failed');
        expect(failure, `failure recorded for ${e.path}`).toBeDefined();
        expect(e.outcome.failed).toContain(failure!.kind);
        expect(failure!.reason).toMatch(/[\u4e00-\u9fff]/);
      }
      if (e.outcome.bounded) {
        expect(col!.pages.length).toBeLessThanOrEqual(MAX_PAGES);
        expect(col!.notes.join(' ')).toMatch(/[\u4e00-\u9fff]/);
        const listHits = [...portal.hits].filter(([k]) => k.startsWith(e.path.replace(/[^/]*$/, '')) && /\/index(_\d+)?\.html/.test(k));
        expect(listHits.reduce((n, [, v]) => n + v, 0)).toBeLessThanOrEqual(MAX_PAGES + 1);
      }
    }

    // What the rules made of it.
    for (const rule of e.noFinding) {
      const bad = r.findings.filter((f) => f.rule === rule && (rule !== 'column-update' || aboutColumn(e, f)));
      expect(bad.map((f) => `${f.rule}/${f.code}: ${f.message}`)).toEqual([]);
    }
    for (const rule of failedNow ? e.inconclusive : []) {
      const about = r.inconclusive.filter((i) => i.rule === rule && (rule !== 'column-update' || aboutColumn(e, i)));
      expect(about.length, `${rule} inconclusive; got ${JSON.stringify(r.inconclusive)}`).toBeGreaterThan(0);
      for (const i of about) expect(i.reason).toMatch(/[\u4e00-\u9fff]/);
    }
    if (failedNow && e.inconclusive.length > 0) expect(r.status).not.toBe('ok');
  });
});

describe('bounds', () => {
  it('the robots-disallowed column was never requested', () => {
    expect(portal.hits.get('/xxgk/rob/tzgg/index.html')).toBeUndefined();
  });

  it('the huge page was abandoned at the size cap, not downloaded', () => {
    const sent = portal.bytesSent.get('/xxgk/big/tzgg/index.html') ?? 0;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });

  it('a page that never answers was given up after tries × timeout, not waited for', () => {
    expect(portal.hits.get('/xxgk/tmo/tzgg/index.html')).toBe(CRAWL.fetch!.tries);
  });

  it('a unit over its time bound stops with a note, and what it did not read is inconclusive, not judged', async () => {
    const store = await openStore(join(dataDir, 'data-slow'));
    const unitTimeMs = 1500;
    const t0 = Date.now();
    const [s] = await crawlUnits(
      [{ id: 'slow', name: '县缓慢局', type: 'department', url: `${portal.baseUrl}/xxgk/slow/index.html` }],
      { ...CRAWL, concurrency: 1, bounds: { ...CRAWL.bounds, unitTimeMs }, plan: planGather(scheme), store },
    );
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(unitTimeMs + CRAWL.fetch!.timeoutMs! + 1500);
    expect(s!.status).not.toBe('ok');
    const notes = [...s!.columns.flatMap((c) => c.notes), ...s!.failures.map((f) => f.reason)].join(' ');
    expect(notes).toMatch(/上限|中止|停止/);
    const r = judge([s!]).get('slow')!;
    const unread = s!.columns.filter((c) => c.status !== 'ok');
    expect(unread.length).toBeGreaterThan(0);
    for (const c of unread) {
      expect(r.findings.filter((f) => f.column === c.key)).toEqual([]);
    }
    expect(r.findings).toEqual([]);
  });
});

describe('the store after a run full of faults', () => {
  it('every JSON and gzip file in the data directory parses, no temporary file is left', () => {
    expect(expectDataFilesParse(join(dataDir, 'data'))).toBeGreaterThan(0);
    expect(walkFiles(join(dataDir, 'data')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
