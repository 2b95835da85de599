import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { HistoryStore } from '../history/history-store.ts';
import { DEFAULT_SCHEME, loadScheme } from '../config/scheme.ts';
import { loadServeConfig, type ServeConfig } from '../config/serve-config.ts';
import { Sessions } from '../serve/auth.ts';
import { startDashboardServer, type RunningServer } from '../serve/http.ts';
import { realPdfWriter, realRunner } from '../serve/runner.ts';
import { cronScheduler } from '../serve/scheduler.ts';
import { AuditService, type AuditRunner } from '../serve/service.ts';
import { nowIso } from '../lib/time.ts';
import { parseWebhook, readUnitsCsv, readUnitsFile } from '../config/units.ts';
import type { Destination } from '../notify/channels.ts';
import type { Notifier } from '../notify/notifier.ts';
import { Desk } from '../review/desk.ts';
import { openReviewStore } from '../store/review-store.ts';
import { addDistributedOptions, distributedAudit, resolveDistributed, type DistributedFlags } from './distributed.ts';
import { addNetworkOptions, parseConcurrency, parseWaitMinutes, type NetworkFlags } from './options.ts';

interface ServeFlags extends NetworkFlags, DistributedFlags {
  units?: string;
  host?: string;
  port?: number;
  config?: string;
  data?: string;
  concurrency?: number;
  wait?: number;
}

export interface ServeHandle {
  url: string;
  service: AuditService;
  /** Stops accepting requests and the schedule, lets a running audit finish within the grace period. */
  stop(): Promise<void>;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port 须为 0 到 65535 之间的整数');
  return n;
}

function logToStderr(line: string): void {
  process.stderr.write(`[${nowIso().slice(0, 19).replace('T', ' ')}] ${line}\n`);
}

export interface ServeDeps {
  env?: NodeJS.ProcessEnv;
  runner?: AuditRunner;
  log?: (line: string) => void;
}

/**
 * Everything `zwgk serve` does, minus signal handling: resolve settings
 * (flags > environment > config file > defaults), open history, start the
 * schedule and the dashboard. Throws one Chinese line on bad input. Holds the
 * data folder's lock until stopped: the audits it runs in-process share it.
 */
export async function startServe(flags: ServeFlags, deps: ServeDeps = {}): Promise<ServeHandle> {
  const { env = process.env, log = logToStderr } = deps;
  const distributed = resolveDistributed(flags, env);
  const baseRunner = deps.runner ?? realRunner;
  // --store / --queue: every audit reads the shared database, and crawls through the workers.
  const runner: AuditRunner = distributed.store ? async (req) => baseRunner({ ...req, ...(await distributedAudit(distributed, req.schemeFile)) }) : baseRunner;
  const config: ServeConfig = loadServeConfig(flags.config);
  const unitsFile = flags.units ?? config.unitsFile;
  if (!unitsFile) throw new Error('未指定单位名单：请使用 --units <csv>，或在配置文件中设置 unitsFile');
  readUnitsCsv(unitsFile);
  const token = env.ZWGK_TOKEN || config.token;
  if (env.ZWGK_TOKEN && env.ZWGK_TOKEN.length < 8) throw new Error('环境变量 ZWGK_TOKEN 太短：令牌至少 8 个字符');
  if (!token && !config.publicRead) {
    throw new Error('未配置访问令牌：请设置环境变量 ZWGK_TOKEN 或配置文件中的 token（只想公开查看可设置 publicRead: true）');
  }
  const dataDir = resolve(flags.data ?? env.ZWGK_DATA_DIR ?? config.dataDir ?? './data');
  const scheme = loadScheme(config.schemeFile ?? DEFAULT_SCHEME);

  const { openDataDir } = await import('./data-dir.ts');
  const { lock } = await openDataDir(dataDir, { command: 'zwgk serve', waitMinutes: flags.wait, log });
  const unlockAndThrow = async (err: unknown): Promise<never> => {
    await lock.release();
    throw err;
  };
  const history = await HistoryStore.open(dataDir).catch(unlockAndThrow);
  if (history.recovery) log(history.recovery);
  const reviews = await openReviewStore(dataDir).catch(unlockAndThrow);
  if (reviews.recovery) log(reviews.recovery);
  const desk = new Desk(reviews);
  const notifier = config.notify ? await openNotifier(config, { env, dataDir, desk, history, unitsFile: resolve(unitsFile), log }).catch(unlockAndThrow) : undefined;
  const service = new AuditService(
    {
      unitsFile: resolve(unitsFile),
      dataDir,
      reportsDir: join(dataDir, 'reports'),
      concurrency: flags.concurrency ?? config.politeness.concurrency,
      minIntervalMs: flags.minInterval ?? config.politeness.minIntervalMs,
      allowHosts: [...config.allowHosts, ...(flags.allowHost ?? [])],
      ignoreHttpsErrors: flags.ignoreHttpsErrors || config.ignoreHttpsErrors,
      schemeFile: config.schemeFile,
      overridesFile: config.overridesFile,
      screenshots: config.screenshots,
      warnings: config.warnings,
      retention: config.retention,
    },
    { history, runner, scheme, log, desk, office: config.notices.office, pdfWriter: realPdfWriter, ...(notifier ? { notifier } : {}) },
  );
  await service.recoverInterrupted().catch(unlockAndThrow);

  let server: RunningServer;
  const host = flags.host ?? config.host;
  const port = flags.port ?? config.port;
  try {
    server = await startDashboardServer({
      service,
      history,
      policy: { token, publicRead: config.publicRead, secureCookies: config.publicUrl?.startsWith('https:') ?? false },
      sessions: new Sessions({ ttlMs: config.sessionHours * 3600_000 }),
      pdfWriter: realPdfWriter,
      log,
      ...(notifier ? { outbox: () => notifier.summary() } : {}),
      host,
      port,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? '端口已被占用' : code === 'EADDRNOTAVAIL' ? '本机没有这个地址' : code === 'EACCES' ? '没有权限' : (err as Error).message;
    return unlockAndThrow(new Error(`无法在 ${host}:${port} 上监听：${why}`));
  }
  // The dashboard's own address is never a link-check target.
  const listening = new URL(server.url);
  service.settings.ownAddresses = [{ host: listening.hostname, port: Number(listening.port) }];
  service.startSchedule(cronScheduler(config.schedule, config.timezone));
  notifier?.start();

  const next = service.nextScheduledRun();
  log(`zwgk serve 已启动：${server.url}（数据目录 ${dataDir}）`);
  log(`定时审计：${config.schedule}（${config.timezone}），下次 ${next ? nowIso(next).slice(0, 16).replace('T', ' ') : '—'}`);
  if (distributed.store) {
    const { redactUrl } = await import('../store/postgres-store.ts');
    log(`快照存于数据库 ${redactUrl(distributed.store)}${distributed.queue ? `；各单位经队列 ${redactUrl(distributed.queue)} 交给 zwgk worker 抓取` : ''}`);
  }
  if (!token) log('未配置操作令牌：仪表盘只读，立即审计等操作已停用');
  if (config.publicRead && !/^(127\.|::1$|localhost$)/.test(host)) log(`注意：publicRead 已开启且监听 ${host}，任何能访问该地址的人都可查看审计结果`);

  return {
    url: server.url,
    service,
    async stop() {
      await server.close();
      await service.shutdown(config.shutdownGraceSeconds * 1000);
      await notifier?.stop();
      if (distributed.store) await (await import('../store/open-store.ts')).closeStores();
      await lock.release();
    },
  };
}

/** The notifications as serve.yaml `notify:` configures them (the SMTP password may come from ZWGK_SMTP_PASS). */
async function openNotifier(
  config: ServeConfig,
  ctx: { env: NodeJS.ProcessEnv; dataDir: string; desk: Desk; history: HistoryStore; unitsFile: string; log: (line: string) => void },
): Promise<Notifier> {
  const n = config.notify!;
  const { Notifier } = await import('../notify/notifier.ts');
  const office: Destination[] = [
    ...n.office.emails.map((to) => ({ kind: 'email' as const, to })),
    ...n.office.webhooks.map((w): Destination => {
      const { kind, url } = parseWebhook(typeof w === 'string' ? w : w.url)!;
      return kind === 'dingtalk' && typeof w !== 'string' && w.secret ? { kind, url, secret: w.secret } : { kind, url };
    }),
  ];
  const smtp = n.smtp && { ...n.smtp, ...(ctx.env.ZWGK_SMTP_PASS ? { pass: ctx.env.ZWGK_SMTP_PASS } : {}) };
  let units = readUnitsFile(ctx.unitsFile);
  let mtimeMs = statSync(ctx.unitsFile).mtimeMs;
  return Notifier.open(
    {
      ...(smtp ? { smtp } : {}),
      office,
      unitContacts: n.unitContacts,
      digest: n.digest,
      timezone: config.timezone,
      immediate: n.immediate,
      maxAttempts: n.maxAttempts,
      retryMinutes: n.retryMinutes,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    },
    {
      dataDir: ctx.dataDir,
      desk: ctx.desk,
      history: () => ctx.history.data,
      units: () => {
        // Contacts follow the units file as it is edited; while an edit leaves it unreadable the last good one stands.
        try {
          const now = statSync(ctx.unitsFile).mtimeMs;
          if (now !== mtimeMs) [units, mtimeMs] = [readUnitsFile(ctx.unitsFile), now];
        } catch {
          // kept
        }
        return units;
      },
      log: ctx.log,
    },
  );
}

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('常驻服务：按计划定时审计全部单位，保存历史，提供仪表盘和 HTTP 接口')
    .option('--units <csv>', '单位名单 CSV（也可在配置文件中设置 unitsFile）')
    .option('--host <addr>', '监听地址（默认 127.0.0.1）')
    .option('--port <n>', '端口（默认 8080）', parsePort)
    .option('--config <file>', '配置文件（YAML 或 JSON，见 docs/serve.md）')
    .option('--data <dir>', '数据目录（默认 ./data 或环境变量 ZWGK_DATA_DIR）')
    .option('--concurrency <n>', '每个站点同时请求数（默认 2）', parseConcurrency)
    .option('--wait <分钟>', '数据目录正被另一个 zwgk 进程使用时，最多等待的分钟数（默认不等待，直接提示）', parseWaitMinutes);
  addDistributedOptions(addNetworkOptions(command), { queue: true }).action(async (flags: ServeFlags) => {
    const log = logToStderr;
    const handle = await startServe(flags, { log });
    await new Promise<void>((done) => {
      let stopping = false;
      const onSignal = (signal: string) => {
        if (stopping) {
          log(`再次收到 ${signal}，立即退出`);
          process.exit(130);
        }
        stopping = true;
        log(`收到 ${signal}，正在关闭：不再接受请求，等待进行中的审计结束…`);
        handle.stop().then(
          () => {
            log('已关闭');
            done();
          },
          (err: Error) => {
            log(`关闭时出错：${err.message}`);
            process.exitCode = 1;
            done();
          },
        );
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
  });
}
