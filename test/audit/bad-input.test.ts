import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/faults-cli.ts';
import { startFaultyPortal, type FaultyPortal } from '../../fixtures/faulty/portal.ts';

/**
 * Bad input, through the real CLI as a child process: exit code ≠ 0 and
 * exactly one line on stderr, in Chinese, without a stack trace, naming the
 * file and the line or field at fault. Nothing here reaches the network but
 * the GBK case: every other case fails before the crawl starts. The cases run
 * concurrently (each is its own process, with its own input file).
 */
let dir: string;
let goodUnits: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zwgk-badinput-'));
  goodUnits = file('good.csv', `id,name,type,url\n${GOOD_ROW}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GOOD_ROW = 'jtj,县教育体育局,department,http://127.0.0.1:9/xxgk/jtj/index.html';

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

function audit(args: string[]): Promise<CliResult> {
  return runCli(['audit', '--as-of', '2021-01-20', '--out', join(dir, 'out'), '--data', join(dir, 'data'), '--no-screenshots', ...args]);
}

/** The one-line contract; `mentions` are what the line must name. */
function expectOneLineError(r: CliResult, mentions: (string | RegExp)[]): void {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(r.code, `exit code; stderr: ${r.stderr}`).not.toBe(0);
  expect(r.code).not.toBeNull();
  expect(lines, `stderr should be one line:\n${r.stderr}`).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at\s/m);
  expect(r.stderr).not.toMatch(/\b(TypeError|ReferenceError|SyntaxError|ZodError)\b/);
  expect(lines[0]).toMatch(/[\u4e00-\u9fff]/);
  for (const m of mentions) expect(lines[0]).toMatch(m);
}

/** Units-file cases: name, bytes of the file, what the error line must name. */
const UNITS_CASES: [string, string, (string | RegExp)[]][] = [
  ['no-header.csv', `${GOOD_ROW}\nwjw,县卫生健康委员会,department,http://127.0.0.1:9/xxgk/wjw/index.html\n`, [/第 ?1 ?行|表头/, /id|name|type|url/]],
  ['header-typo.csv', `id,name,kind,url\n${GOOD_ROW}\n`, [/第 ?1 ?行|表头/, /type/]],
  ['unknown-type.csv', `id,name,type,url\n${GOOD_ROW}\nxzz,新庄镇,village,http://127.0.0.1:9/xxgk/xzz/index.html\n`, [/第 ?3 ?行/, /type/, /village/]],
  ['duplicate-id.csv', `id,name,type,url\n${GOOD_ROW}\njtj,县交通运输局,department,http://127.0.0.1:9/xxgk/jtj2/index.html\n`, [/第 ?3 ?行/, /id/, /jtj/]],
  ['ftp-url.csv', `id,name,type,url\n${GOOD_ROW}\nwjw,县卫生健康委员会,department,ftp://127.0.0.1/xxgk/wjw/\n`, [/第 ?3 ?行/, /url/]],
  ['javascript-url.csv', `id,name,type,url\njtj,县教育体育局,department,javascript:alert(1)\n`, [/第 ?2 ?行/, /url/]],
  ['file-url.csv', `id,name,type,url\njtj,县教育体育局,department,file:///etc/passwd\n`, [/第 ?2 ?行/, /url/]],
  ['bare-host.csv', `id,name,type,url\njtj,县教育体育局,department,www.yifeng.gov.cn/xxgk/jtj/\n`, [/第 ?2 ?行/, /url/]],
  ['empty.csv', '', [/空/]],
  ['header-only.csv', 'id,name,type,url\n', [/单位|没有/]],
  ['stray-quote.csv', `id,name,type,url\n${GOOD_ROW}\nwjw,"县卫生健康委员会,department,http://127.0.0.1:9/xxgk/wjw/index.html\n`, [/第 ?3 ?行/, /引号/]],
  ['inner-quote.csv', `id,name,type,url\nwjw,县"卫生"健康委员会,department,http://127.0.0.1:9/xxgk/wjw/index.html\n`, [/第 ?2 ?行/, /引号/]],
  ['empty-field.csv', `id,name,type,url\nwjw,,department,http://127.0.0.1:9/xxgk/wjw/index.html\n`, [/第 ?2 ?行/, /name/]],
  ['traversal-id.csv', `id,name,type,url\n../../escape,县教育体育局,department,http://127.0.0.1:9/xxgk/jtj/index.html\n`, [/第 ?2 ?行/, /id/]],
];

describe.concurrent('units file', () => {
  it.each(UNITS_CASES)('%s → one line naming file and line/field', async (name, content, mentions) => {
    const r = await audit(['--units', file(name, content)]);
    expectOneLineError(r, [name, ...mentions]);
  });

  it('a units file that does not exist', async () => {
    const r = await audit(['--units', join(dir, 'nope.csv')]);
    expectOneLineError(r, ['nope.csv', /不存在/]);
  });

  it('GBK from Excel (CRLF, no BOM) is read, names intact — through a real audit', async () => {
    const portal: FaultyPortal = await startFaultyPortal();
    try {
      const csv = portal.unitsCsv(['hao']).replace(/\n/g, '\r\n');
      const out = join(dir, 'gbk-out');
      const r = await runCli(
        ['audit', '--units', file('excel-gbk.csv', iconv.encode(csv, 'gbk')), '--as-of', '2021-01-20', '--out', out, '--data', join(dir, 'gbk-data'), '--no-screenshots'],
        { timeoutMs: 60_000 },
      );
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { units: { id: string; name: string }[] };
      expect(report.units.map((u) => [u.id, u.name])).toEqual([['hao', '县好运局']]);
    } finally {
      await portal.close();
    }
  });
});

describe.concurrent('command line values', () => {
  it.each(['2021-02-30', '2021-13-01', 'yesterday'])('--as-of %s', async (value) => {
    const r = await runCli(['audit', '--units', goodUnits, '--as-of', value, '--out', join(dir, 'out'), '--data', join(dir, 'data')]);
    expectOneLineError(r, ['--as-of', value]);
  });

  it('unknown --unit id', async () => {
    const r = await audit(['--units', goodUnits, '--unit', 'nosuch']);
    expectOneLineError(r, ['nosuch']);
  });

  it.each(['http://www.jiangxi.gov.cn/', 'www.jiangxi.gov.cn/xxgk', 'user@10.0.0.1'])('--allow-host %s', async (value) => {
    const r = await audit(['--units', goodUnits, '--allow-host', value]);
    expectOneLineError(r, ['--allow-host', value, /主机名:端口/]);
  });

  it.each(['-5', 'abc', '100000'])('--min-interval %s', async (value) => {
    const r = await audit(['--units', goodUnits, `--min-interval=${value}`]);
    expectOneLineError(r, ['--min-interval', /毫秒/]);
  });
});

describe.concurrent('overrides file', () => {
  const CASES: [string, string, (string | RegExp)[]][] = [
    ['ov-decision.csv', 'unit,rule,url,decision,reason\njtj,column-update,http://127.0.0.1:9/xxgk/jtj/tzgg/,也许,说不清\n', [/第 ?2 ?行/, /decision|决定|豁免/]],
    ['ov-header.csv', 'unit,rule,link,decision,reason\njtj,column-update,http://127.0.0.1:9/x,豁免,理由\n', [/第 ?1 ?行|表头/, /url/]],
    ['ov-rule.csv', 'unit,rule,url,decision,reason\njtj,no-such-rule,http://127.0.0.1:9/x,豁免,理由\n', [/第 ?2 ?行/, /rule|no-such-rule/]],
    ['ov-quote.csv', 'unit,rule,url,decision,reason\njtj,column-update,http://127.0.0.1:9/x,豁免,"未闭合\n', [/第 ?2 ?行/, /引号/]],
    ['ov-noreason.csv', 'unit,rule,url,decision,reason\njtj,column-update,http://127.0.0.1:9/x,豁免,\n', [/第 ?2 ?行/, /reason|理由/]],
  ];
  it.each(CASES)('%s', async (name, content, mentions) => {
    const r = await audit(['--units', goodUnits, '--overrides', file(name, content)]);
    expectOneLineError(r, [name, ...mentions]);
  });
});

describe.concurrent('scheme file', () => {
  const county = readFileSync(resolve(REPO_ROOT, 'rules/schemes/yifeng-2020.yaml'), 'utf8');
  const CASES: [string, string, (string | RegExp)[]][] = [
    ['sc-rule.yaml', county.replace('rule: leader-disclosure', 'rule: leader-disclosur'), [/第 ?\d+ ?行/, /indicators\.\d+\.rule/, 'leader-disclosur']],
    ['sc-code.yaml', county.replace('codes: [not-named]', 'codes: [unnamed]'), [/第 ?\d+ ?行/, /indicators\.\d+\.codes\.0/, 'unnamed']],
    ['sc-setting.yaml', county.replace('noAnswer: inconclusive', 'noAnswer: maybe'), [/第 ?\d+ ?行/, 'settings.interpretation-link.noAnswer']],
  ];
  it.each(CASES)('%s', async (name, content, mentions) => {
    const r = await audit(['--units', goodUnits, '--scheme', file(name, content)]);
    expectOneLineError(r, [name, ...mentions]);
  });
});

describe.concurrent('serve config file', () => {
  const CASES: [string, string, (string | RegExp)[]][] = [
    ['cfg-unknown.yaml', 'schedule: "0 2 * * *"\nshedule_typo: 3\n', ['shedule_typo']],
    ['cfg-type.yaml', 'port: "八千"\n', ['port']],
    ['cfg-cron.yaml', 'schedule: "every night at two"\n', ['schedule', /cron/]],
    ['cfg-cron-range.yaml', 'schedule: "0 25 * * *"\n', ['schedule']],
    ['cfg-tz.yaml', 'timezone: Asia/Beijing\n', ['timezone']],
    ['cfg-nested.yaml', 'retention:\n  runs: -1\n', [/retention\.runs/]],
    ['cfg-yaml.yaml', 'schedule: "0 2 * * *\nport: 80\n', [/无法解析|第 ?\d+ ?行/]],
    ['cfg-json.json', '{"port": 8080,}', [/无法解析|第 ?\d+ ?行/]],
  ];
  it.each(CASES)('%s', async (name, content, mentions) => {
    const r = await runCli(
      ['serve', '--units', goodUnits, '--config', file(name, content), '--port', '0', '--data', join(dir, 'serve-data')],
      { env: { ZWGK_TOKEN: 'test-token-123456' }, timeoutMs: 20_000 },
    );
    expectOneLineError(r, [name, ...mentions]);
  });
});
