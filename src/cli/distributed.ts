import { InvalidArgumentError, type Command } from 'commander';
import type { AuditOptions } from '../audit/run-audit.ts';

/**
 * The options of a run spread over machines (README "多台机器"), shared by
 * `audit` and `serve`: `--store postgres://…` (the shared store), `--queue
 * redis://…` (units crawled by `zwgk worker` processes), `--queue-name`.
 * The addresses may come from ZWGK_STORE and ZWGK_QUEUE instead, which keeps
 * a password out of the process list.
 */

export interface DistributedFlags {
  store?: string;
  queue?: string;
  queueName?: string;
}

export function parseStoreUrl(value: string): string {
  if (!/^postgres(ql)?:\/\/[^/]/i.test(value)) throw new InvalidArgumentError('--store 须为 postgres://用户:密码@主机:端口/数据库 形式的地址（不写则用数据目录中的文件）');
  return value;
}

export function parseQueueUrl(value: string): string {
  if (!/^rediss?:\/\/[^/]/i.test(value)) throw new InvalidArgumentError('--queue 须为 redis://主机:端口 形式的地址');
  return value;
}

export function parseQueueName(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(value)) throw new InvalidArgumentError('--queue-name 只能由字母、数字、下划线和连字符组成（至多 40 个）');
  return value;
}

export function addDistributedOptions(command: Command, what: { queue: boolean }): Command {
  command.option('--store <postgres://…>', '快照等数据存入 PostgreSQL（多台机器共用；默认存数据目录中的文件；也可用环境变量 ZWGK_STORE）', parseStoreUrl);
  if (!what.queue) return command;
  return command
    .option('--queue <redis://…>', '各单位的抓取交给 zwgk worker 进程（可在多台机器上）；需同时指定 --store（也可用环境变量 ZWGK_QUEUE）', parseQueueUrl)
    .option('--queue-name <name>', '队列在 Redis 中的名字前缀（默认 zwgk；同一 Redis 上的两套部署须不同）', parseQueueName);
}

/** Flags, else the environment; one Chinese line when they do not fit together. */
export function resolveDistributed(flags: DistributedFlags, env: NodeJS.ProcessEnv = process.env): DistributedFlags {
  const store = flags.store ?? (env.ZWGK_STORE ? parseEnv(parseStoreUrl, env.ZWGK_STORE, 'ZWGK_STORE') : undefined);
  const queue = flags.queue ?? (env.ZWGK_QUEUE ? parseEnv(parseQueueUrl, env.ZWGK_QUEUE, 'ZWGK_QUEUE') : undefined);
  if (queue && !store) throw new Error('--queue 需要各台机器共用的数据库：请同时指定 --store postgres://…（或环境变量 ZWGK_STORE）');
  return { store, queue, queueName: flags.queueName };
}

function parseEnv(parse: (v: string) => string, value: string, name: string): string {
  try {
    return parse(value);
  } catch (err) {
    throw new Error(`环境变量 ${name}：${(err as Error).message}`);
  }
}

/** What the audit pipeline takes for them: the store address, and the queue's crawler (loaded only when asked for). */
export async function distributedAudit(d: DistributedFlags, schemeFile?: string): Promise<Pick<AuditOptions, 'store' | 'crawlUnits'>> {
  if (!d.queue) return d.store ? { store: d.store } : {};
  const { queueCrawler } = await import('../queue/distributed-crawl.ts');
  return { store: d.store, crawlUnits: queueCrawler({ queue: d.queue, prefix: d.queueName, schemeFile }) };
}
