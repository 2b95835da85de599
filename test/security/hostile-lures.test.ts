import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport, UnitResult } from '../../src/model/result.ts';
import type { UnitSnapshot } from '../../src/model/snapshot.ts';
import { runCli, type CliResult } from '../helpers/faults-cli.ts';
import { walkFiles } from '../helpers/faults-files.ts';
import { INTERPRETATION_TITLE, LURE_UNIT, RENDER_LURES, SCREENSHOT_LURES, startLurePortal, startSentinel, type LurePortal, type Sentinel } from '../../fixtures/hostile/lures.ts';

/**
 * A hostile unit tries to lead the tool to an "internal" server (the
 * sentinel, on another loopback port): through the screenshot browser (meta
 * refresh, iframe, script fetch/XHR/beacon/EventSource, images, preconnect,
 * WebSocket, service worker, WebRTC, popups, a 302 sent only to
 * HeadlessChrome, a script navigation through an on-host redirect), through
 * the list renderer (a frame, the list's data and a navigation, each through
 * an on-host /hop redirect) and through the link checker (原文 links to the
 * sentinel by address, localhost, mapped, decimal and hex forms, a closed
 * port and an on-host redirect). A real `zwgk audit`, screenshots on: the
 * sentinel receives nothing at all, and its marker is in no file written.
 */

let sentinel: Sentinel;
let portal: LurePortal;
let root: string;
let out: string;
let data: string;
let run: CliResult;
let unit: UnitResult;

beforeAll(async () => {
  sentinel = await startSentinel();
  portal = await startLurePortal(sentinel);
  root = mkdtempSync(join(tmpdir(), 'zwgk-lures-'));
  out = join(root, 'out');
  data = join(root, 'data');
  writeFileSync(join(root, 'units.csv'), portal.unitsCsv());
  run = await runCli(['audit', '--units', join(root, 'units.csv'), '--unit', LURE_UNIT.id, '--as-of', '2021-01-20', '--out', out, '--data', data, '--min-interval', '0'], {
    timeoutMs: 240_000,
  });
  if (run.code === 0) unit = (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as AuditReport).units[0]!;
}, 260_000);

afterAll(async () => {
  await portal?.close();
  await sentinel?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const staleFinding = (column: string) => unit.findings.find((f) => f.rule === 'column-update' && f.column === column);

describe('the audit of the lure portal', () => {
  it('ran (exit 0) and took the screenshots it could', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(unit.id).toBe(LURE_UNIT.id);
    expect(unit.findings.some((f) => f.evidence.screenshot)).toBe(true);
  });

  it('the sentinel received no connection, no request, no upgrade and no packet', () => {
    expect({ connections: sentinel.connections, requests: sentinel.requests, upgrades: sentinel.upgrades, udp: sentinel.udpPackets }).toEqual({
      connections: 0,
      requests: [],
      upgrades: 0,
      udp: 0,
    });
  });

  it('the portal served the lures (so each was tried)', () => {
    for (const l of [...SCREENSHOT_LURES, ...RENDER_LURES]) expect(portal.hits.get(`/xxgk/lure/${l.slug}/index.html`), l.slug).toBeGreaterThan(0);
    expect(portal.hits.get('/hop')).toBeGreaterThan(0);
    expect(portal.hits.get('/xxgk/lure/zcjd/t20201110_1.html')).toBeGreaterThan(0);
  });
});

describe('screenshots', () => {
  it.each(SCREENSHOT_LURES.filter((l) => l.offHost).map((l) => [l.slug, l.name]))('%s: the page ended off the portal, so no picture, a note instead', (_slug, name) => {
    const f = staleFinding(name)!;
    expect(f, name).toBeDefined();
    expect(f.evidence.screenshot).toBeUndefined();
    expect(f.evidence.screenshotError).toMatch(/单位名单以外的地址.*未截图/);
  });

  it.each(SCREENSHOT_LURES.filter((l) => !l.offHost).map((l) => [l.slug, l.name]))('%s: the page stayed on the portal (its requests off it refused): its picture is kept', (_slug, name) => {
    const f = staleFinding(name)!;
    expect(f, name).toBeDefined();
    expect(f.evidence.screenshot, f.evidence.screenshotError as string).toMatch(/^evidence\/.+\.png$/);
    expect(existsSync(join(out, f.evidence.screenshot as string))).toBe(true);
  });

  it('every PNG written belongs to a finding that kept its picture (none left over from a discarded page)', () => {
    const kept = new Set(unit.findings.map((f) => f.evidence.screenshot).filter(Boolean));
    const pngs = walkFiles(out).filter((f) => f.endsWith('.png')).map((f) => relative(out, f).split('\\').join('/'));
    expect(pngs.sort()).toEqual([...kept].sort());
  });
});

describe('list renders led off the portal', () => {
  it.each(RENDER_LURES.map((l) => [l.slug, l.name]))('%s: the column is inconclusive, never judged on the render', (_slug, name) => {
    expect(unit.findings.filter((f) => f.column === name)).toEqual([]);
    expect(unit.inconclusive.find((i) => i.rule === 'column-update' && i.column === name)?.reason).toMatch(/无法读取|读取失败/);
  });

  it('the snapshot records why: the render was refused by the network policy', () => {
    const snap = latestSnapshot();
    const reasons = snap.failures.filter((f) => f.kind === 'render').map((f) => f.reason);
    for (const l of RENDER_LURES) {
      const failure = snap.failures.find((f) => f.kind === 'render' && f.url.includes(`/${l.slug}/`));
      expect(failure?.reason, `${l.slug}: ${reasons.join(' | ')}`).toMatch(/单位名单以外的地址.*网络访问规则/);
    }
  });
});

describe('原文 links towards the sentinel', () => {
  it('the interpretation is inconclusive with the policy as the reason: no finding, no guess', () => {
    expect(unit.findings.filter((f) => f.rule === 'interpretation-link')).toEqual([]);
    const inc = unit.inconclusive.filter((i) => i.rule === 'interpretation-link');
    expect(inc).toHaveLength(1);
    expect(inc[0]!.reason).toContain('按网络访问规则未访问');
  });

  it('each link was refused before any request; a closed port reads exactly like the open sentinel (no port scan)', () => {
    const snap = latestSnapshot();
    const article = Object.values(snap.articles).find((a) => a.title === INTERPRETATION_TITLE)!;
    const checks = article.links.map((l) => [l.url, l.check] as const);
    expect(checks).toHaveLength(7);
    for (const [url, check] of checks) {
      expect(check?.ok, url).toBe(false);
      expect(check?.kind, url).toBe(url.includes('/hop?') ? 'off-host' : 'forbidden');
    }
    const error = (part: string) => checks.find(([url]) => url.includes(part))![1]!.error!;
    const open = error('/link-ip.html').replace(sentinel.host, 'HOST');
    const closed = error('/link-closed.html').replace(`127.0.0.1:${portal.closedPort}`, 'HOST');
    expect(closed).toBe(open);
    expect(error('/link-closed.html')).not.toMatch(/拒绝|REFUSED|超时/);
  });
});

describe("the sentinel's content is in no file the audit wrote", () => {
  it('report.json, report.html, units/lure.html, the snapshot and every other text file', () => {
    const files = walkFiles(root).filter((f) => /\.(json|html|gz|csv)$/.test(f));
    expect(files.some((f) => f.endsWith(join('units', `${LURE_UNIT.id}.html`)))).toBe(true);
    for (const f of files) {
      const text = f.endsWith('.gz') ? gunzipSync(readFileSync(f)).toString('utf8') : readFileSync(f, 'utf8');
      expect(text.includes(sentinel.marker), f).toBe(false);
    }
  });

  it('report.xlsx', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, 'report.xlsx'));
    const texts: string[] = [];
    wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => void texts.push(c.text))));
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.filter((t) => t.includes(sentinel.marker))).toEqual([]);
  });
});

function latestSnapshot(): UnitSnapshot {
  const dir = join(data, 'snapshots', LURE_UNIT.id);
  const [file] = readdirSync(dir);
  return JSON.parse(gunzipSync(readFileSync(join(dir, file!))).toString('utf8')) as UnitSnapshot;
}
