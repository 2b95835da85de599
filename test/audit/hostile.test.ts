import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { load } from 'cheerio';
import ExcelJS from 'exceljs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from '../../src/browser/chromium.ts';
import type { AuditReport } from '../../src/model/result.ts';
import type { UnitSnapshot } from '../../src/model/snapshot.ts';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/faults-cli.ts';
import { walkFiles } from '../helpers/faults-files.ts';
import { HOSTILE_TEXT, PWNED, startHostilePortal, type HostilePortal } from '../../fixtures/hostile/portal.ts';

/**
 * A hostile portal audited end to end by the real CLI (crawl, rules,
 * scoring, screenshots, reports): planted markup is shown as text, never run;
 * nothing leaves the output and data directories; the crawl stays on the
 * units file's host (link checks excepted, capped and never followed on);
 * no file:, data: or other scheme is ever read; XLSX cells are never formulas.
 */
const UNIT_NAME = `县跨站局<img src=x onerror="window.${PWNED}='unit'">`;

let portal: HostilePortal;
let root: string;
let out: string;
let data: string;
let run: CliResult;
let report: AuditReport;
let browser: Browser;


beforeAll(async () => {
  portal = await startHostilePortal();
  root = mkdtempSync(join(tmpdir(), 'zwgk-hostile-'));
  out = join(root, 'out');
  data = join(root, 'data');
  portal.writeUnitsCsv(join(root, 'units.csv'), [{ id: 'xss', name: UNIT_NAME }]);
  // The outside host (127.0.0.2, loopback) is allowed for link checks, as an office would allow its provincial portal;
  // the forbidden one (127.0.0.3) is not.
  const allow = ['--allow-host', new URL(portal.outsideUrl).host];
  run = await runCli(['audit', '--units', join(root, 'units.csv'), '--as-of', '2021-01-20', '--out', out, '--data', data, ...allow], { timeoutMs: 120_000 });
  if (run.code === 0) report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as AuditReport;
  browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the audit of a hostile portal completes', () => {
  it('exit 0 and a report with the unit', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(report.units.map((u) => u.id)).toEqual(['xss']);
  });

  it('the hostile column names reached the report as findings (so the rendering tests below bite)', () => {
    const columns = report.units[0]!.findings.map((f) => f.column);
    expect(columns).toEqual(expect.arrayContaining([HOSTILE_TEXT.columnImg, HOSTILE_TEXT.columnTraversal, HOSTILE_TEXT.columnFormula]));
  });
});

describe('crawled markup is shown as text, never run', () => {
  it('report.html in Chromium: no planted script runs, the strings are visible as text', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(join(out, 'report.html')).href, { waitUntil: 'load' });
    await page.waitForTimeout(300);
    // Every element gets the events a reader's mouse and keyboard would send (onmouseover / onfocus payloads).
    await page.evaluate(() => {
      for (const el of Array.from(document.querySelectorAll('*'))) {
        for (const type of ['mouseover', 'mouseenter', 'focus']) el.dispatchEvent(new Event(type, { bubbles: true }));
      }
    });
    await page.waitForTimeout(100);
    expect(await page.evaluate((k) => (window as unknown as Record<string, unknown>)[k], PWNED)).toBeUndefined();
    expect(dialogs).toEqual([]);
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toContain(HOSTILE_TEXT.columnImg);
    expect(text).toContain(UNIT_NAME);
    await page.close();
  });

  it('report.html markup: no event handlers, no javascript: links, no script carrying crawled text', () => {
    const $ = load(readFileSync(join(out, 'report.html'), 'utf8'));
    const handlers = $('*')
      .toArray()
      .flatMap((el) => Object.keys((el as unknown as { attribs: Record<string, string> }).attribs ?? {}).filter((a) => /^on/i.test(a)));
    expect(handlers).toEqual([]);
    const hrefs = $('[href], [src]')
      .toArray()
      .map((el) => $(el).attr('href') ?? $(el).attr('src') ?? '');
    for (const h of hrefs) expect(h.trim()).not.toMatch(/^(javascript|data|vbscript|file):/i);
    for (const s of $('script').toArray()) expect($(s).text()).not.toContain(PWNED);
    expect($('svg[onload], img[onerror]').length).toBe(0);
  });
});

describe('nothing reaches a path outside the output', () => {
  it('every file written is under out/ or data/', () => {
    const files = walkFiles(root).map((f) => relative(root, f));
    const stray = files.filter((f) => f !== 'units.csv' && !f.startsWith(`out${sep}`) && !f.startsWith(`data${sep}`));
    expect(stray).toEqual([]);
    // The traversal column name climbs four levels from an evidence file: none of those places got a 逃逸 directory.
    for (const up of [root, join(root, '..'), join(root, '..', '..'), REPO_ROOT, '/']) expect(existsSync(join(up, '逃逸')), up).toBe(false);
  });

  it('evidence paths are relative, inside evidence/, clean, and exist', () => {
    const shots = report.units.flatMap((u) => u.findings.map((f) => f.evidence.screenshot).filter((s): s is string => !!s));
    expect(shots.length).toBeGreaterThan(0);
    for (const s of shots) {
      expect(isAbsolute(s)).toBe(false);
      expect(normalize(s).split(/[\\/]/)).not.toContain('..');
      expect(s).toMatch(/^evidence\//);
      expect(s).not.toMatch(/[<>:"|?*\\]|\.\.|%2e|%2f/i);
      expect(existsSync(join(out, s)), s).toBe(true);
    }
  });
});

describe('the crawl stays on the units file host', () => {
  it('the forbidden host (only reachable by crawling on) was never requested', () => {
    expect(Object.fromEntries(portal.forbiddenHits)).toEqual({});
  });

  it('the allowed outside host saw only link checks of the interpretation, each capped, none followed on', () => {
    const linked = new Set(['/policy.html', '/huge.html', '/to-file.html']);
    expect([...portal.outsideHits.keys()].filter((k) => !linked.has(k))).toEqual([]);
    for (const n of portal.outsideHits.values()) expect(n).toBeLessThanOrEqual(3);
    expect(portal.outsideBytes.get('/huge.html') ?? 0).toBeLessThan(8 * 1024 * 1024);
  });

  it('no file:, data: or other scheme was ever read: the secret marker is nowhere', () => {
    const texts = walkFiles(root)
      .filter((f) => /\.(json|html|gz)$/.test(f))
      .map((f) => (f.endsWith('.gz') ? gunzipSync(readFileSync(f)).toString('utf8') : readFileSync(f, 'utf8')));
    for (const t of texts) expect(t).not.toContain(portal.secret);
  });

  it('every page the snapshot says was fetched is http(s) on the portal host', () => {
    const dir = join(data, 'snapshots', 'xss');
    const [file] = readdirSync(dir);
    const snap = JSON.parse(gunzipSync(readFileSync(join(dir, file!))).toString('utf8')) as UnitSnapshot;
    const portalHost = new URL(portal.baseUrl).host;
    for (const a of Object.values(snap.articles).filter((x) => x.fetched)) {
      expect(new URL(a.finalUrl).host, a.url).toBe(portalHost);
    }
    for (const c of snap.columns.filter((x) => x.status !== 'failed')) {
      for (const p of c.pages.filter((x) => x.status !== null)) expect(new URL(p.url).host, p.url).toBe(portalHost);
    }
    // Link checks of non-http addresses report, never fetch.
    const links = Object.values(snap.articles).flatMap((a) => a.links);
    for (const l of links.filter((x) => !/^https?:/i.test(x.url) && x.check)) expect(l.check!.status).toBeNull();
  });
});

describe('XLSX cells never become formulas', () => {
  it('no formula cell; no text cell that a spreadsheet would read as one', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, 'report.xlsx'));
    let cells = 0;
    const bad: string[] = [];
    wb.eachSheet((ws) =>
      ws.eachRow((row) =>
        row.eachCell((cell) => {
          cells++;
          if (cell.type === ExcelJS.ValueType.Formula || cell.formula) bad.push(`${ws.name}!${cell.address} formula`);
          const text = typeof cell.value === 'string' ? cell.value : cell.text;
          if (typeof text === 'string' && /^[=+\-@\t\r]./.test(text) && cell.type !== ExcelJS.ValueType.Number) {
            bad.push(`${ws.name}!${cell.address} ${text.slice(0, 40)}`);
          }
        }),
      ),
    );
    expect(cells).toBeGreaterThan(0);
    expect(bad).toEqual([]);
    // The hostile column names are in the workbook, as text.
    const all: string[] = [];
    wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => void all.push(c.text))));
    expect(all.some((t) => t.includes('1+1行政执法'))).toBe(true);
  });
});
