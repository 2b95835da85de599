import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureEvidence } from '../../src/audit/evidence.ts';
import { closeBrowser, withPage } from '../../src/browser/chromium.ts';
import { NetworkPolicy } from '../../src/net/policy.ts';
import { MASK_PAGE_SCRIPT, maskPersonalData } from '../../src/lib/personal-data.ts';
import type { UnitResult } from '../../src/model/result.ts';
import { finding } from '../helpers/report-factory.ts';

/** Evidence screenshots never show a personal number: the page is masked before it is pictured. */
const ID = '360922198503151237';
const CARD = '6222021234567890128';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>公示</title></head><body>
<h1>关于低保对象的公示</h1>
<p id="id">张三，身份证号${ID}，已审核。</p>
<p id="grouped">李四 360922 19850315 1237；卡号 ${CARD.replace(/(\d{4})(?=\d)/g, '$1 ')}</p>
<p id="phones">联系电话：13812345678；王五 13912345678；办公电话 0795-2345678；编号 123456789012</p>
<p id="wide">${ID.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0))}</p>
<a id="link" href="/f/1.pdf" title="名单${ID}">附件：名单.pdf</a>
<input id="input" value="${ID}">
<iframe src="/frame.html"></iframe>
</body></html>`;

let server: Server;
let base: string;
let dir: string;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === '/page.html') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    if (req.url === '/frame.html') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><meta charset="utf-8"><p>框架内 ${ID}</p>`);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'zwgk-mask-'));
});

afterAll(async () => {
  await closeBrowser();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

/** The test server is the "portal": the one host the browser may load. */
const policy = () => NetworkPolicy.forUnits([{ url: `${base}/page.html` }], { minIntervalMs: 0 });

describe('masking a page before its screenshot', () => {
  it('masks ID numbers, cards and unlabelled mobiles in text, attributes and frames; keeps contact numbers', async () => {
    const seen = await withPage(policy(), async (page) => {
      await page.goto(`${base}/page.html`, { waitUntil: 'load' });
      await page.evaluate(MASK_PAGE_SCRIPT);
      return page.evaluate(() => ({
        text: document.body.innerText,
        frame: (document.querySelector('iframe') as HTMLIFrameElement).contentDocument!.body.innerText,
        title: document.getElementById('link')!.getAttribute('title'),
        input: (document.getElementById('input') as HTMLInputElement).value,
      }));
    }, {}, { deadlineMs: 20_000 });
    expect(seen.text).toContain('身份证号3609**********1237');
    expect(seen.text).toContain('李四 3609** ******** 1237');
    expect(seen.text).toContain('卡号 6222 **** **** ***0 128');
    expect(seen.text).toContain('联系电话：13812345678');
    expect(seen.text).toContain('王五 139****5678');
    expect(seen.text).toContain('办公电话 0795-2345678；编号 123456789012');
    // Full-width digits are read like the crawl reads them, and masked to the same (ASCII) form.
    expect(seen.text).toMatch(/\n3609\*{10}1237\n/);
    expect(seen.frame).toBe('框架内 3609**********1237');
    expect(seen.title).toBe('名单3609**********1237');
    expect(seen.input).toBe('3609**********1237');
    expect(JSON.stringify(seen)).not.toMatch(/19850315|１９８５０３１５|0212 3456/);
  });

  it('a finding’s masked number (as the crawl masked it) is what the page shows, so it can be outlined', async () => {
    const crawled = maskPersonalData(`张三，身份证号${ID}，已审核。`).hits[0]!.masked;
    const text = await withPage(policy(), async (page) => {
      await page.goto(`${base}/page.html`, { waitUntil: 'load' });
      await page.evaluate(MASK_PAGE_SCRIPT);
      return page.evaluate(() => document.getElementById('id')!.textContent);
    }, {}, { deadlineMs: 20_000 });
    expect(text).toContain(crawled);
  });

  it('an attachment finding is pictured on the page that links to it, never by opening the file', async () => {
    const f = finding({ rule: 'privacy-leak', code: 'id-number', deduction: 1, url: `${base}/f/1.pdf`, evidence: { linkedFrom: `${base}/page.html`, highlight: '附件：名单.pdf' } });
    const unit = { id: 'jtj', findings: [f] } as unknown as UnitResult;
    hits.length = 0;
    await captureEvidence([unit], dir, { timeoutMs: 20_000, policy: policy() });
    expect(f.evidence.screenshotError).toBeUndefined();
    expect(readFileSync(join(dir, f.evidence.screenshot as string)).subarray(1, 4).toString()).toBe('PNG');
    expect(hits).toContain('/page.html');
    expect(hits).not.toContain('/f/1.pdf');
  });
});
