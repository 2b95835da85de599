import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { DeskFinding } from '../review/desk.ts';
import type { ReviewState } from '../model/review-states.ts';
import { dataDirOption, parseAsOf, parseWaitMinutes, warnLine } from './options.ts';

/**
 * `zwgk review list|set|import|notice`: the office's review after an audit
 * (src/review/desk.ts). Everything but `list` writes the data folder and
 * takes its lock; while `zwgk serve` holds it, the dashboard does the same.
 */

interface DataFlags {
  data?: string;
  wait?: number;
}

const DEFAULT_OFFICE = '县人民政府办公室';

async function labels(): Promise<Record<ReviewState, string>> {
  return (await import('../model/review-states.ts')).REVIEW_STATE_LABEL;
}

async function parseStateFlag(text: string): Promise<ReviewState> {
  const { parseState } = await import('../review/desk.ts');
  const state = parseState(text);
  if (!state) throw new Error(`--state “${text}”无效，应为 ${Object.values(await labels()).join('、')} 之一`);
  return state;
}

/** Opens the review desk of the data folder; `write` takes the folder's lock first. */
async function openDesk(flags: DataFlags, write: string | null) {
  const dataDir = dataDirOption(flags.data);
  const { openReviewStore } = await import('../store/review-store.ts');
  const { Desk } = await import('../review/desk.ts');
  const lock = write ? (await import('../store/data-lock.ts')).lockDataDir(dataDir, { command: write, waitMs: (flags.wait ?? 0) * 60_000, onWait: warnLine, onTakeover: warnLine }) : null;
  const held = lock ? await lock : null;
  try {
    const store = await openReviewStore(dataDir);
    if (store.recovery) warnLine(store.recovery);
    return { desk: new Desk(store), release: () => held?.release() ?? Promise.resolve() };
  } catch (err) {
    await held?.release();
    throw err;
  }
}

function row(r: DeskFinding, label: Record<ReviewState, string>): string {
  const f = r.finding;
  const last = r.review?.log.at(-1);
  const what = f ? `${f.indicator}：${f.message}` : `（最近一次审计未再发现）${r.key.split('|').slice(0, 2).join('/')}`;
  const who = last ? `  [${last.by} ${last.at.slice(0, 16).replace('T', ' ')}${last.reason ? `：${last.reason}` : ''}]` : '';
  return `${r.id}  ${r.unit.id}（${r.unit.name}）  ${label[r.state]}  ${what}  ${f?.url ?? r.key.split('|').slice(3).join('|')}${who}`;
}

function parseReplyBy(value: string): string {
  try {
    return parseAsOf(value);
  } catch {
    throw new InvalidArgumentError(`--reply-by 日期 "${value}" 无效，应为存在的日期 YYYY-MM-DD`);
  }
}

export function registerReviewCommand(program: Command): void {
  const review = program.command('review').description('审计之后：复核问题（确认、误报、存疑）、下发整改通知、导入整改情况表');
  const withData = (c: Command) =>
    c
      .option('--data <dir>', '数据目录（默认 ./data 或环境变量 ZWGK_DATA_DIR）')
      .option('--wait <分钟>', '数据目录正被另一个 zwgk 进程使用时，最多等待的分钟数（默认不等待）', parseWaitMinutes);

  withData(review.command('list').description('列出各单位最近一次审计的问题及其复核状态'))
    .option('--unit <id>', '只列该单位')
    .option('--state <状态>', '只列该状态（待复核、确认、误报、存疑、已整改、复查通过、复查未通过）')
    .option('--rule <id>', '只列该规则')
    .action(async (flags: DataFlags & { unit?: string; state?: string; rule?: string }) => {
      const state = flags.state ? await parseStateFlag(flags.state) : undefined;
      const { desk } = await openDesk(flags, null);
      const rows = desk.list({ ...(flags.unit ? { unit: flags.unit } : {}), ...(state ? { state } : {}), ...(flags.rule ? { rule: flags.rule } : {}) });
      const label = await labels();
      for (const r of rows) process.stdout.write(`${row(r, label)}\n`);
      process.stdout.write(`共 ${rows.length} 项${desk.store.units().length ? '' : '（数据目录中还没有审计结果：请先运行 zwgk audit）'}\n`);
    });

  withData(review.command('set').description('改变问题的复核状态（按问题编号，可一次多个）'))
    .argument('<编号...>', '问题编号（zwgk review list 第一列）')
    .requiredOption('--state <状态>', '新状态：确认、误报、存疑、待复核、已整改')
    .requiredOption('--by <复核人>', '复核人姓名')
    .option('--reason <理由>', '理由（误报必须填写）')
    .action(async (ids: string[], flags: DataFlags & { state: string; by: string; reason?: string }) => {
      const state = await parseStateFlag(flags.state);
      const { desk, release } = await openDesk(flags, 'zwgk review set');
      try {
        const changes = await desk.set(ids, { state, by: flags.by, ...(flags.reason ? { reason: flags.reason } : {}), source: 'cli' });
        process.stdout.write(`已将 ${changes.length} 项问题改为“${(await labels())[state]}”\n`);
      } finally {
        await release();
      }
    });

  withData(review.command('import').description('导入单位报回的整改情况表（.xlsx），或人工复核文件 overrides.csv（豁免→误报，确认→确认）'))
    .argument('<file>', '整改情况表 .xlsx 或复核文件 .csv')
    .option('--by <复核人>', '导入复核文件时记录的复核人（默认“复核文件”）')
    .action(async (file: string, flags: DataFlags & { by?: string }) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (err) {
        throw new Error(`文件 ${file} 无法读取：${(err as NodeJS.ErrnoException).code === 'ENOENT' ? '文件不存在' : (err as Error).message}`);
      }
      const { desk, release } = await openDesk(flags, 'zwgk review import');
      const { ReplyFileError } = await import('../review/reply-xlsx.ts');
      try {
        if (extname(file).toLowerCase() === '.csv') {
          const changes = await desk.importOverrides(bytes.toString('utf8'), file, flags.by ?? '复核文件');
          process.stdout.write(`复核文件已导入：${changes.length} 项问题的状态已更新\n`);
          return;
        }
        const r = await desk.importReply(bytes, basename(file));
        process.stdout.write(`单位 ${r.unitId}（${r.unitName}）：${r.changes.length} 项改为“已整改”，${r.notFixed} 项报未整改或无法整改\n`);
        if (r.changes.length) process.stdout.write(`需要复查的单位：${r.unitId}（重新审计：zwgk audit --units <单位名单> --unit ${r.unitId}；审计后自动标记复查通过或复查未通过）\n`);
      } catch (err) {
        if (!(err instanceof ReplyFileError)) throw err;
        // Every bad row on its own line; the file changed nothing.
        for (const line of err.lines) process.stderr.write(`错误：${line}\n`);
        process.stderr.write(`错误：整改情况表 ${basename(file)} 有 ${err.lines.length} 处问题，未导入任何内容\n`);
        process.exitCode = 2;
      } finally {
        await release();
      }
    });

  withData(review.command('notice').description('生成单位的整改通知（HTML、PDF）和整改情况表（xlsx），写在该单位最近一次审计的报告目录中'))
    .requiredOption('--unit <id>', '单位编号')
    .option('--office <名称>', `发文机关（默认“${DEFAULT_OFFICE}”）`)
    .option('--reply-by <YYYY-MM-DD>', '报送整改情况的截止日期', parseReplyBy)
    .option('--no-pdf', '不生成 PDF')
    .action(async (flags: DataFlags & { unit: string; office?: string; replyBy?: string; pdf: boolean }) => {
      const { desk, release } = await openDesk(flags, 'zwgk review notice');
      const { closeBrowser } = await import('../browser/chromium.ts');
      try {
        const pdf = flags.pdf ? (await import('../browser/pdf.ts')).writePdfReport : undefined;
        const out = await desk.writeNotice(flags.unit, { office: flags.office ?? DEFAULT_OFFICE, ...(flags.replyBy ? { replyBy: flags.replyBy } : {}), ...(pdf ? { pdf } : {}) });
        process.stdout.write(`整改通知（${out.items} 项问题）：${out.html}\n${out.pdf ? `PDF：${out.pdf}\n` : ''}整改情况表：${out.xlsx}\n`);
      } finally {
        await closeBrowser();
        await release();
      }
    });
}
