import type { Command } from 'commander';
import { closeBrowser } from '../browser/chromium.ts';
import { crawlEach, type CrawlRunOptions } from '../crawl/crawl-run.ts';
import type { UnitSnapshot } from '../model/snapshot.ts';
import { loadAuditInputs } from '../config/inputs.ts';
import { planGather } from '../judge/gather-plan.ts';
import { openDataDir } from './data-dir.ts';
import { addDistributedOptions, resolveDistributed, type DistributedFlags } from './distributed.ts';
import { addNetworkOptions, collect, dataDirOption, parseConcurrency, parseWaitMinutes, warnLine, type NetworkFlags } from './options.ts';
import { createCrawlProgress, formatCrawlSummary, summarizeCrawl, type CrawlSummary } from './progress.ts';
import { NetworkPolicy } from '../net/policy.ts';

interface CrawlFlags extends NetworkFlags, DistributedFlags {
  units: string;
  unit?: string[];
  data?: string;
  concurrency?: number;
  scheme?: string;
  browser: boolean;
  contact?: string;
  wait?: number;
}

/** `zwgk crawl`: fetch and store snapshots only (no judging). */
export function registerCrawlCommand(program: Command): void {
  const command = program
    .command('crawl')
    .description('抓取各单位政府信息公开栏目并保存快照（不判定、不计分）')
    .requiredOption('--units <csv>', '单位名单 CSV（id,name,type,url）')
    .option('--unit <id>', '只抓取该单位（可重复）', collect)
    .option('--data <dir>', '数据目录（默认 ./data 或环境变量 ZWGK_DATA_DIR）')
    .option('--concurrency <n>', '每个站点同时请求数（默认 2）', parseConcurrency)
    .option('--scheme <file>', '考评方案文件（默认 rules/schemes/yifeng-2020.yaml），用于栏目分类')
    .option('--no-browser', '不用浏览器渲染脚本生成的列表（这类栏目记为无法读取）')
    .option('--contact <text>', '写入 User-Agent 的联系方式（如县政府办公室电话或邮箱）')
    .option('--wait <分钟>', '数据目录正被另一个 zwgk 进程使用时，最多等待的分钟数（默认不等待，直接提示）', parseWaitMinutes);
  addDistributedOptions(addNetworkOptions(command), { queue: true }).action(async (flags: CrawlFlags) => {
    const { units: all, selected: units, scheme } = loadAuditInputs({ unitsFile: flags.units, only: flags.unit, schemeFile: flags.scheme });
    const distributed = resolveDistributed(flags);
    const dataDir = dataDirOption(flags.data);
    const { lock, store: fileStore } = await openDataDir(dataDir, { command: 'zwgk crawl', waitMinutes: flags.wait, log: warnLine });
    const { openStoreAt, closeStores } = await import('../store/open-store.ts');
    const store = distributed.store ? await openStoreAt(distributed.store).catch(async (err: unknown) => {
      await lock.release();
      throw err;
    }) : fileStore;
    const queued = distributed.queue
      ? (await import('../queue/distributed-crawl.ts')).queueCrawler({ queue: distributed.queue, prefix: distributed.queueName, schemeFile: flags.scheme })
      : null;

    // Ctrl-C: stop fetching, keep the snapshots already saved, exit non-zero.
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const progress = createCrawlProgress(units);
    // The units file's hosts, not only the selected units'.
    const policy = NetworkPolicy.forUnits(all, { allowHosts: flags.allowHost, minIntervalMs: flags.minInterval, ignoreHttpsErrors: flags.ignoreHttpsErrors });
    try {
      const summaries: CrawlSummary[] = new Array(units.length);
      const options: CrawlRunOptions = {
        plan: planGather(scheme),
        store,
        concurrency: flags.concurrency,
        browser: flags.browser,
        signal: abort.signal,
        fetch: { contact: flags.contact },
        policy,
        onProgress: progress.onProgress,
        onWarning: warnLine,
      };
      const keep = (snap: UnitSnapshot, i: number) => void (summaries[i] = summarizeCrawl(snap));
      // Workers hand their snapshots back when the queue is done; one process lets each go once summarised.
      if (queued) (await queued(units, options)).forEach(keep);
      else await crawlEach(units, options, keep);
      progress.finish();
      process.stdout.write(`${formatCrawlSummary(summaries)}\n`);
      process.stdout.write(`快照已保存到 ${distributed.store ? '数据库' : dataDir}（共 ${summaries.length} 个单位）\n`);
    } finally {
      progress.finish();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await closeBrowser();
      await closeStores();
      await lock.release();
    }
  });
}
