import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { nowIso } from '../lib/time.ts';
import { parseQueueName, parseQueueUrl, parseStoreUrl, resolveDistributed, type DistributedFlags } from './distributed.ts';
import { parseConcurrency } from './options.ts';

interface WorkerFlags extends DistributedFlags {
  concurrency?: number;
  stallSeconds?: number;
}

function parseStallSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n > 3600) throw new InvalidArgumentError('--stall-seconds 须为 2 到 3600 之间的整数（秒）');
  return n;
}

function log(line: string): void {
  process.stderr.write(`[${nowIso().slice(0, 19).replace('T', ' ')}] ${line}\n`);
}

/** `zwgk worker`: crawls units from the queue of `zwgk serve --queue` / `zwgk audit --queue`, on any number of machines. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('分布式抓取的工作进程：从队列领取各单位的抓取任务，快照写入共用数据库（可在多台机器上各运行一个或多个）')
    .option('--queue <redis://…>', '队列地址（与 zwgk serve --queue 相同；也可用环境变量 ZWGK_QUEUE）', parseQueueUrl)
    .option('--store <postgres://…>', '共用数据库地址（与 zwgk serve --store 相同；也可用环境变量 ZWGK_STORE）', parseStoreUrl)
    .option('--queue-name <name>', '队列名字前缀（默认 zwgk）', parseQueueName)
    .option('--concurrency <n>', '本进程同时抓取的单位数（默认 2；每个站点的同时请求数由协调进程的 --concurrency 决定，所有工作进程合计）', parseConcurrency)
    .option('--stall-seconds <n>', '工作进程失联多少秒后，其任务交给其他工作进程（默认 30）', parseStallSeconds)
    .action(async (flags: WorkerFlags) => {
      const d = resolveDistributed(flags);
      // resolveDistributed already refused a queue without a store.
      if (!d.queue || !d.store) throw new Error('未指定队列：请使用 --queue redis://主机:端口（或环境变量 ZWGK_QUEUE）');
      const { PostgresStore } = await import('../store/postgres-store.ts');
      const { startWorker } = await import('../queue/worker.ts');
      const { closeBrowser } = await import('../browser/chromium.ts');
      const store = await PostgresStore.open(d.store);
      const worker = await startWorker({ queue: d.queue, prefix: d.queueName, store, concurrency: flags.concurrency, stallMs: flags.stallSeconds && flags.stallSeconds * 1000, log }).catch(async (err: unknown) => {
        await store.close();
        throw err;
      });
      log(`zwgk worker 已启动（进程 ${process.pid}），等待抓取任务`);
      await new Promise<void>((done) => {
        let stopping = false;
        const onSignal = (signal: string) => {
          if (stopping) {
            log(`再次收到 ${signal}，立即退出`);
            process.exit(130);
          }
          stopping = true;
          log(`收到 ${signal}，正在关闭：手头的单位抓完后退出…`);
          void worker.close().finally(done);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await closeBrowser();
      await store.close();
      log('已关闭');
    });
}
