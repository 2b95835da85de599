import type { Command } from 'commander';
import type { AuditOptions } from '../audit/run-audit.ts';
import { loadAuditInputs } from '../config/inputs.ts';
import { createAuditProgress } from './audit-progress.ts';
import { todayInShanghai } from '../lib/time.ts';
import { addDistributedOptions, distributedAudit, resolveDistributed, type DistributedFlags } from './distributed.ts';
import { addNetworkOptions, collect, dataDirOption, parseAsOf, parseConcurrency, parseWaitMinutes, parseYear, warnLine, type NetworkFlags } from './options.ts';

interface AuditFlags extends NetworkFlags, DistributedFlags {
  units: string;
  unit?: string[];
  asOf?: string;
  year?: number;
  out?: string;
  data?: string;
  concurrency?: number;
  fromStore?: boolean;
  scheme?: string;
  overrides?: string;
  screenshots: boolean;
  incremental?: boolean;
  pdf?: boolean;
  perUnit?: boolean;
  wait?: number;
}

export function registerAuditCommand(program: Command): void {
  const command = program
    .command('audit')
    .description('抓取（或读取已存快照）、判定、计分，输出 report.json / report.html / report.xlsx 及佐证截图')
    .requiredOption('--units <csv>', '单位名单 CSV（id,name,type,url）')
    .option('--unit <id>', '只审计该单位（可重复）', collect)
    .option('--as-of <YYYY-MM-DD>', '测评日期（默认：今天，北京时间）', parseAsOf)
    .option('--year <YYYY>', '考评年度（默认：测评日期的上一年）', parseYear)
    .option('--out <dir>', '报告输出目录（默认 ./reports/<测评日期>）')
    .option('--data <dir>', '数据目录（默认 ./data 或环境变量 ZWGK_DATA_DIR）')
    .option('--concurrency <n>', '每个站点同时请求数（默认 2）', parseConcurrency)
    .option('--from-store', '不重新抓取，按数据目录中最新快照重新判定')
    .option('--scheme <file>', '考评方案文件（默认 rules/schemes/yifeng-2020.yaml）')
    .option('--overrides <csv>', '人工复核结论文件（unit,rule,url,decision,reason）')
    .option('--incremental', '沿用上次快照中未变化列表的内容（夜间定时任务用；默认逐页重新核查）')
    .option('--no-screenshots', '不截取佐证截图')
    .option('--pdf', '同时输出 report.pdf')
    .option('--per-unit', '为每个单位单独输出 units/<id>.html')
    .option('--wait <分钟>', '数据目录正被另一个 zwgk 进程使用时，最多等待的分钟数（默认不等待，直接提示）', parseWaitMinutes);
  addDistributedOptions(addNetworkOptions(command), { queue: true }).action(async (flags: AuditFlags) => {
    // Checked before the heavy modules load and before waiting for the data folder, so a bad file is answered at once.
    const inputs = loadAuditInputs({ unitsFile: flags.units, only: flags.unit, schemeFile: flags.scheme, overridesFile: flags.overrides });
    const distributed = resolveDistributed(flags);
    const progress = createAuditProgress(inputs.selected);
    const asOf = flags.asOf ?? todayInShanghai();
    const dataDir = dataDirOption(flags.data);
    const { openDataDir } = await import('./data-dir.ts');
    const { lock } = await openDataDir(dataDir, { command: 'zwgk audit', waitMinutes: flags.wait, log: warnLine });
    const options: AuditOptions = {
      asOf,
      year: flags.year,
      dataDir,
      outDir: flags.out ?? `./reports/${asOf}`,
      concurrency: flags.concurrency,
      minIntervalMs: flags.minInterval,
      allowHosts: flags.allowHost,
      ignoreHttpsErrors: flags.ignoreHttpsErrors,
      fresh: !flags.incremental,
      fromStore: flags.fromStore,
      screenshots: flags.screenshots,
      formats: flags.pdf ? ['json', 'html', 'xlsx', 'pdf'] : ['json', 'html', 'xlsx'],
      // A unit audited on its own gets its own report (the one the office sends it).
      perUnitReports: flags.perUnit || Boolean(flags.unit?.length),
      onProgress: progress.onProgress,
      onWarning: warnLine,
      ...(await distributedAudit(distributed, flags.scheme)),
    };
    const { runAudit } = await import('../audit/run-audit.ts');
    const { closeBrowser } = await import('../browser/chromium.ts');
    const { closeStores } = await import('../store/open-store.ts');
    const { formatSummaryTable } = await import('../report/console-summary.ts');
    try {
      const { report, outDir, rechecked } = await runAudit(inputs, options);
      progress.finish();
      process.stdout.write(`${formatSummaryTable(report)}\n`);
      const passed = rechecked.filter((c) => c.event.state === 'verified').length;
      if (rechecked.length) process.stdout.write(`复查已整改的问题：${passed} 项复查通过，${rechecked.length - passed} 项复查未通过（zwgk review list 查看）\n`);
      process.stdout.write(`报告已生成：${outDir}/report.html（另有 report.json、report.xlsx、evidence/）\n`);
    } finally {
      progress.finish();
      await closeBrowser();
      await closeStores();
      await lock.release();
    }
  });
}
