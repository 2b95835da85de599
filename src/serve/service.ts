import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { existsSync, readFileSync, readdirSync, lstatSync, rmSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { join, resolve, sep } from 'node:path';
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import type { AuditOutcome, AuditProgress, AuditRequest } from '../audit/run-audit.ts';
import type { HistoryStore } from '../history/history-store.ts';
import type { HistoryData, RunKind, RunRecord, RunTrigger, RunStateName } from '../history/model.ts';
import { beginRun, completeRun, failRun, interruptRunning, trimRuns } from '../history/record.ts';
import type { WarningSettings } from '../history/warnings.ts';
import type { Override } from '../config/overrides.ts';
import type { Scheme } from '../config/scheme.ts';
import { ruleCatalog } from '../judge/catalog.ts';
import type { AuditReport, Finding, RuleCatalog, UnitResult } from '../model/result.ts';
import type { Unit } from '../model/snapshot.ts';
import { nowIso, TIME_ZONE, todayInShanghai } from '../lib/time.ts';
import { readUnitsCsv } from '../config/units.ts';
import type { Scheduler } from './scheduler.ts';
import type { Desk } from '../review/desk.ts';
import type { ServiceNotifier } from '../notify/notifier.ts';
import { REVIEW_STATE_LABEL, ReviewError, type ReviewState } from '../model/review-states.ts';
import type { ReviewChange } from '../store/review-store.ts';

/**
 * Runs audits for `zwgk serve`: the nightly full run and on-demand audits of
 * one unit, one at a time (the crawler's store has one owner per process and
 * two crawls of the same portal at once would be impolite). On-demand audits
 * go ahead of a waiting full run; a second full run is never queued.
 */

export type AuditRunner = (request: AuditRequest) => Promise<AuditOutcome>;

export interface ServiceSettings {
  unitsFile: string;
  dataDir: string;
  /** Where each run's report directory goes (`<reportsDir>/<runId>`). */
  reportsDir: string;
  concurrency: number;
  /** Least time between two request starts on one host, in ms (the policy's default 100 when absent). */
  minIntervalMs?: number;
  /** Hosts link checks may reach whatever their address (--allow-host, allowHosts:). */
  allowHosts?: string[];
  /** Where this service listens: never a link-check target (set once the dashboard listens). */
  ownAddresses?: { host: string; port: number }[];
  ignoreHttpsErrors?: boolean;
  schemeFile?: string;
  overridesFile?: string;
  screenshots: boolean;
  warnings: WarningSettings;
  retention: { runs: number; maxEvidenceMb: number; historyRuns: number };
}

export interface ServiceDeps {
  history: HistoryStore;
  runner: AuditRunner;
  /** The scheme: column categories for the stale warnings, the rules' labels for the pages. */
  scheme: Scheme;
  clock?: () => Date;
  log?: (line: string) => void;
  /** Review states (src/review/desk.ts); without it the review actions answer 409. */
  desk?: Desk;
  /** Told after each audit and each 确认 (src/notify/notifier.ts); it never throws. */
  notifier?: ServiceNotifier;
  /** The issuing office named on the 整改通知. */
  office?: string;
  /** Prints a notice's HTML to PDF (src/browser/pdf.ts in production). */
  pdfWriter?: (htmlFile: string, pdfFile: string) => Promise<void>;
}

/** A reviewer's change of one finding's state, as the dashboard sends it. */
export interface ReviewInput {
  /** 问题编号. */
  id: string;
  state: ReviewState;
  by: string;
  reason?: string;
}

/** What GET /api/runs/<id> answers. */
export interface RunView {
  runId: string;
  kind: RunKind;
  trigger: RunTrigger;
  units: string[];
  asOf: string;
  state: RunStateName;
  /** Waiting for the audit before it to finish. */
  queued: boolean;
  phase?: AuditProgress['phase'];
  unitsDone?: number;
  unitsTotal?: number;
  pages?: number;
  errors?: number;
  unitId?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  warnings?: string[];
  results?: RunRecord['results'];
}

export interface LatestResult {
  result: UnitResult;
  auditedAt: string;
  runId: string;
}

export class UnknownUnitError extends Error {
  override name = 'UnknownUnitError';
}

/** A refused action, with the HTTP status that says why (400 bad input, 404 no such finding, 409 not now). */
export class ActionError extends Error {
  override name = 'ActionError';
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** A reviewer's decision on one finding of a unit's latest result, as the dashboard sends it. */
export interface OverrideInput {
  rule: string;
  code: string;
  url: string;
  decision: 'waived' | 'confirmed';
  reason: string;
}

/** Header of the overrides file (src/config/overrides.ts). */
const OVERRIDES_HEADER = 'unit,rule,url,decision,reason\n';
const DECISION_TEXT = { waived: '豁免', confirmed: '确认' } as const;

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

interface Job {
  id: string;
  kind: RunKind;
  trigger: RunTrigger;
  units: string[];
  asOf: string;
  outDir: string;
  /** Re-judge the stored snapshot instead of crawling (after a reviewer decision). */
  rejudge: boolean;
  state: RunStateName;
  queued: boolean;
  progress?: AuditProgress;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  /** Lines the audit reported beyond its results, kept with the run. */
  warnings: string[];
  controller: AbortController;
  settled: Promise<void>;
  settle: () => void;
}

/** How long an aborted audit may take to wind down before shutdown stops waiting. */
const ABORT_WAIT_MS = 15_000;

export class AuditService {
  private readonly clock: () => Date;
  private readonly log: (line: string) => void;
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Job[] = [];
  private active: Job | null = null;
  private closing = false;
  private scheduler: Scheduler | null = null;
  private readonly reports = new Map<string, AuditReport>();
  private readonly unreadableReports = new Set<string>();
  private unitsCache: { mtimeMs: number; units: Unit[] } | null = null;
  /** The last change to the overrides file: the next one starts after it. */
  private overridesWrite: Promise<unknown> = Promise.resolve();

  /** The selected rules' labels, for the dashboard. */
  readonly catalog: RuleCatalog;

  constructor(
    readonly settings: ServiceSettings,
    private readonly deps: ServiceDeps,
  ) {
    this.catalog = ruleCatalog(deps.scheme);
    this.clock = deps.clock ?? (() => new Date());
    this.log = deps.log ?? (() => {});
  }

  /** Marks runs a previous process left unfinished; call once at start. */
  async recoverInterrupted(): Promise<void> {
    let n = 0;
    await this.deps.history.update((d) => {
      n = interruptRunning(d, this.now(), '服务中断（进程退出或重启），本次审计未完成');
    });
    if (n > 0) this.log(`发现 ${n} 个未完成的审计记录，已标记为失败`);
  }

  /**
   * The units file, re-read when it changes, so a new unit needs no restart.
   * While an edit leaves it unreadable the last good list is served; the next
   * audit fails with the file's error, which the dashboard shows.
   */
  units(): Unit[] {
    try {
      const mtimeMs = statSync(this.settings.unitsFile).mtimeMs;
      if (this.unitsCache?.mtimeMs !== mtimeMs) this.unitsCache = { mtimeMs, units: readUnitsCsv(this.settings.unitsFile) };
    } catch (err) {
      if (!this.unitsCache) throw err;
    }
    return this.unitsCache.units;
  }

  startSchedule(scheduler: Scheduler): void {
    this.scheduler = scheduler;
    scheduler.start(() => {
      const run = this.startFull('schedule');
      if (!run) this.log('定时审计跳过：上一次全量审计仍在进行或排队中');
    });
  }

  nextScheduledRun(): Date | null {
    return this.scheduler?.nextRun() ?? null;
  }

  /** Queues a full audit of every unit; null when one is already running or waiting. */
  startFull(trigger: RunTrigger): { runId: string } | null {
    if (this.closing) return null;
    const pending = [...this.queue, this.active].some((j) => j?.kind === 'full');
    if (pending) return null;
    const job = this.enqueue('full', trigger, []);
    return { runId: job.id };
  }

  /** Queues an on-demand audit of one unit, or names the one already running or waiting for it. */
  startUnit(unitId: string): { runId: string; conflict: boolean } {
    if (!this.units().some((u) => u.id === unitId)) throw new UnknownUnitError(`单位编号 ${unitId} 不在单位名单中`);
    const existing = [this.active, ...this.queue].find((j) => j?.kind === 'unit' && j.units[0] === unitId);
    if (existing) return { runId: existing.id, conflict: true };
    if (this.closing) throw new Error('服务正在关闭，不再接受新的审计');
    return { runId: this.enqueue('unit', 'manual', [unitId]).id, conflict: false };
  }

  /**
   * Records a reviewer decision in the overrides file (src/config/overrides.ts
   * format) and re-judges the unit from its stored snapshot, so the page shows
   * the finding waived or confirmed without a new crawl.
   */
  async addOverride(unitId: string, input: OverrideInput): Promise<{ runId: string }> {
    const file = this.settings.overridesFile;
    if (!file) throw new ActionError(409, '未配置复核文件（配置文件 overridesFile），无法在页面上复核');
    if (this.closing) throw new ActionError(409, '服务正在关闭，不再接受新的审计');
    if (!this.units().some((u) => u.id === unitId)) throw new UnknownUnitError(`单位编号 ${unitId} 不在单位名单中`);
    if (input.decision !== 'waived' && input.decision !== 'confirmed') throw new ActionError(400, '复核结论只能是豁免或确认');
    const reason = String(input.reason ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
    if (input.decision === 'waived' && !reason) throw new ActionError(400, '豁免必须写明理由');
    const finding = this.latest(unitId)?.result.findings.find((f) => f.rule === input.rule && f.code === input.code && f.url === input.url);
    if (!finding) throw new ActionError(404, '该单位最近一次结果中没有这个问题');
    // Two reviewers at once: each read-modify-write of the file waits for the one before, so both decisions land.
    return this.onOverridesFile(async () => {
      if ([this.active, ...this.queue].some((j) => j?.kind === 'unit' && j.units[0] === unitId && !j.rejudge)) {
        throw new ActionError(409, '该单位有审计正在进行，请等其完成后再复核');
      }
      const existing = existsSync(file) ? readFileSync(file, 'utf8') : OVERRIDES_HEADER;
      const decided = finding.review ?? (await this.decisionInFile(existing, file, unitId, finding));
      if (decided) throw new ActionError(409, `该问题已有复核结论（${DECISION_TEXT[decided.decision]}），如需更改请直接编辑复核文件 ${file}`);
      const line = [unitId, `${finding.rule}/${finding.code}`, finding.url, DECISION_TEXT[input.decision], reason].map(csvField).join(',');
      await writeFileAtomic(file, `${existing}${existing.endsWith('\n') ? '' : '\n'}${line}\n`);
      this.log(`单位 ${unitId} 的问题已复核为${DECISION_TEXT[input.decision]}：${finding.url}`);
      await this.overrideAsState(unitId, line, file);
      // A re-judge not yet started reads the file when it starts: it shows this decision too.
      const waiting = this.queue.find((j) => j.rejudge && j.units[0] === unitId);
      return { runId: (waiting ?? this.enqueue('unit', 'manual', [unitId], true)).id };
    });
  }

  /** The decision just written to the overrides file, also as the finding's review state (豁免 → 误报, 确认 → 确认), where that step is allowed. */
  private async overrideAsState(unitId: string, line: string, file: string): Promise<void> {
    if (!this.deps.desk) return;
    try {
      await this.deps.desk.importOverrides(`${OVERRIDES_HEADER}${line}\n`, file, '复核文件', this.now());
    } catch (err) {
      this.log(`单位 ${unitId} 的复核结论已写入复核文件，但未能记为复核状态：${(err as Error).message}`);
    }
  }

  /** Every change to the overrides file, one after the other. */
  private onOverridesFile<T>(fn: () => Promise<T>): Promise<T> {
    const done = this.overridesWrite.then(fn);
    this.overridesWrite = done.catch(() => {});
    return done;
  }

  /** A decision already in the overrides file for this finding (written since the latest result was judged). */
  private async decisionInFile(text: string, file: string, unitId: string, finding: Finding): Promise<Pick<Override, 'decision'> | undefined> {
    // The parser brings the rule modules with it: loaded when a reviewer first decides, not when the service starts.
    const { parseOverrides } = await import('../config/overrides.ts');
    let rows: Override[];
    try {
      rows = parseOverrides(text, file);
    } catch (err) {
      throw new ActionError(409, (err as Error).message);
    }
    return rows.find((o) => o.unit === unitId && o.url === finding.url && o.rule === finding.rule && (!o.code || o.code === finding.code));
  }

  /** The review desk, when review states are kept. */
  get desk(): Desk | undefined {
    return this.deps.desk;
  }

  private requireDesk(): Desk {
    if (!this.deps.desk) throw new ActionError(409, '服务未启用复核记录，无法在页面上更改复核状态');
    return this.deps.desk;
  }

  /**
   * A reviewer changes one finding's state. A change to or from 误报 moves
   * the score: the unit is re-judged from its stored snapshot. A new 确认
   * tells the unit (notifications, when configured).
   */
  async setReview(unitId: string, input: ReviewInput): Promise<{ state: ReviewState; label: string; runId?: string }> {
    const desk = this.requireDesk();
    if (!this.units().some((u) => u.id === unitId)) throw new UnknownUnitError(`单位编号 ${unitId} 不在单位名单中`);
    const id = String(input.id ?? '').trim().toUpperCase();
    const row = desk.list({ unit: unitId }).find((r) => r.id === id);
    if (!row) throw new ActionError(404, `该单位没有问题编号 ${id}`);
    if (!Object.hasOwn(REVIEW_STATE_LABEL, String(input.state))) throw new ActionError(400, `复核状态“${String(input.state).slice(0, 20)}”无效`);
    const by = String(input.by ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
    const reason = String(input.reason ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
    let changes: ReviewChange[];
    try {
      changes = await desk.set([id], { state: input.state, by, ...(reason ? { reason } : {}), source: 'dashboard' }, this.now());
    } catch (err) {
      if (err instanceof ReviewError) throw new ActionError(400, err.message);
      throw err;
    }
    this.log(`单位 ${unitId} 的问题 ${id} 已由 ${by} 改为“${REVIEW_STATE_LABEL[input.state]}”`);
    const out: { state: ReviewState; label: string; runId?: string } = { state: input.state, label: REVIEW_STATE_LABEL[input.state] };
    if ((input.state === 'dismissed' || row.state === 'dismissed') && !this.closing) {
      const waiting = this.queue.find((j) => j.rejudge && j.units[0] === unitId);
      out.runId = (waiting ?? this.enqueue('unit', 'manual', [unitId], true)).id;
    }
    if (input.state === 'confirmed' && row.finding && changes.length) {
      await this.deps.notifier?.confirmed({ id: unitId, name: row.unit.name }, [row.finding]).catch((err: Error) => this.log(`通知未能加入待发队列：${err.message}`));
    }
    return out;
  }

  /**
   * A unit's returned 整改情况表 (uploaded): checked whole, its 已整改 rows
   * moved to 已整改, and an audit of the unit queued to re-check them.
   */
  async importReply(bytes: Buffer, name: string): Promise<{ unitId: string; fixed: number; notFixed: number; runId?: string }> {
    const r = await this.requireDesk().importReply(bytes, name, this.now());
    this.log(`单位 ${r.unitId} 报回整改情况表：${r.changes.length} 项已整改`);
    const runId = r.changes.length && !this.closing && this.units().some((u) => u.id === r.unitId) ? this.startUnit(r.unitId).runId : undefined;
    return { unitId: r.unitId, fixed: r.changes.length, notFixed: r.notFixed, ...(runId ? { runId } : {}) };
  }

  /** Writes the unit's 整改通知 (HTML, or its PDF) or 整改情况表 beside its latest report; the run and file name to serve. */
  async writeNotice(unitId: string, kind: 'html' | 'pdf' | 'xlsx'): Promise<{ runId: string; file: string }> {
    const desk = this.requireDesk();
    if (!this.units().some((u) => u.id === unitId)) throw new UnknownUnitError(`单位编号 ${unitId} 不在单位名单中`);
    const reportDir = desk.latest(unitId)?.reportDir;
    const run = reportDir ? this.deps.history.data.runs.find((r) => resolve(r.outDir) === resolve(reportDir) && !r.pruned) : undefined;
    if (!run) throw new ActionError(404, '该单位尚无可用的审计结果，无法生成整改通知');
    const pdf = kind === 'pdf' ? this.deps.pdfWriter : undefined;
    if (kind === 'pdf' && !pdf) throw new ActionError(409, '服务未配置 PDF 打印');
    const out = await desk.writeNotice(unitId, { office: this.deps.office ?? '县人民政府办公室', now: this.clock(), ...(pdf ? { pdf } : {}) });
    const file = kind === 'xlsx' ? out.xlsx : kind === 'pdf' ? out.pdf! : out.html;
    return { runId: run.id, file: file.slice(resolve(run.outDir).length + 1) };
  }

  getRun(runId: string): RunView | undefined {
    const job = this.jobs.get(runId);
    if (job) {
      const p = job.progress;
      return {
        runId: job.id,
        kind: job.kind,
        trigger: job.trigger,
        units: job.units,
        asOf: job.asOf,
        state: job.state,
        queued: job.queued,
        ...(p && { phase: p.phase, unitsDone: p.unitsDone, unitsTotal: p.unitsTotal, pages: p.pages, errors: p.errors, unitId: p.unitId, message: p.message }),
        startedAt: job.startedAt,
        finishedAt: job.finishedAt,
        error: job.error,
        warnings: job.warnings,
        results: this.record(runId)?.results,
      };
    }
    const run = this.record(runId);
    if (!run) return undefined;
    return {
      runId: run.id,
      kind: run.kind,
      trigger: run.trigger,
      units: run.units,
      asOf: run.asOf,
      state: run.state,
      queued: false,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      error: run.error,
      warnings: run.warnings,
      results: run.results,
    };
  }

  /** Runs waiting or running now, oldest first. */
  activeRuns(): RunView[] {
    return [this.active, ...this.queue].filter((j): j is Job => j !== null).map((j) => this.getRun(j.id)!);
  }

  record(runId: string): RunRecord | undefined {
    return this.deps.history.data.runs.find((r) => r.id === runId);
  }

  /**
   * One unit's latest audited result (from its run's report.json), or
   * undefined before its first audit. When that report.json cannot be read,
   * the unit's newest earlier run whose report can (one damaged file costs
   * that run's freshness, not the unit's page).
   */
  latest(unitId: string): LatestResult | undefined {
    const state = this.deps.history.data.units[unitId];
    const runs = this.deps.history.data.runs;
    const at = state?.latestRunId ? runs.findIndex((r) => r.id === state.latestRunId) : -1;
    if (at < 0 || !state?.auditedAt) return undefined;
    for (let i = at; i >= 0; i--) {
      const run = runs[i]!;
      if (i < at && (run.state !== 'done' || !run.results.some((r) => r.id === unitId))) continue;
      const result = this.report(run.outDir)?.units.find((u) => u.id === unitId);
      if (result) return { result, auditedAt: i === at ? state.auditedAt : (run.finishedAt ?? state.auditedAt), runId: run.id };
    }
    return undefined;
  }

  /** report.json of a run directory (cached; undefined when gone or unreadable, said once in the log). */
  report(outDir: string): AuditReport | undefined {
    const cached = this.reports.get(outDir);
    if (cached) return cached;
    const file = join(outDir, 'report.json');
    if (!existsSync(file)) return undefined;
    let report: AuditReport;
    try {
      report = JSON.parse(readFileSync(file, 'utf8')) as AuditReport;
      if (!Array.isArray(report.units)) throw new Error('units');
    } catch {
      if (!this.unreadableReports.has(file)) this.log(`报告文件 ${file} 无法读取（内容不完整或已损坏），仪表盘改用此前可读的结果`);
      this.unreadableReports.add(file);
      return undefined;
    }
    this.reports.set(outDir, report);
    return report;
  }

  /** Resolves when nothing is running or waiting. */
  async idle(): Promise<void> {
    while (this.active || this.queue.length > 0) await (this.active ?? this.queue[0])!.settled;
  }

  /**
   * Stops the schedule, drops waiting runs, lets the running audit finish
   * within `graceMs`, then aborts it through its AbortSignal.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    this.scheduler?.stop();
    for (const job of this.queue.splice(0)) {
      job.state = 'failed';
      job.queued = false;
      job.error = '服务关闭，排队中的审计已取消';
      job.settle();
    }
    const job = this.active;
    if (!job) return;
    if (!(await settlesWithin(job.settled, graceMs))) {
      this.log(`审计 ${job.id} 未在 ${Math.round(graceMs / 1000)} 秒内结束，正在中止`);
      job.controller.abort(new Error('服务关闭'));
      if (!(await settlesWithin(job.settled, ABORT_WAIT_MS))) this.log(`审计 ${job.id} 中止后仍未结束，放弃等待`);
    }
  }

  private enqueue(kind: RunKind, trigger: RunTrigger, units: string[], rejudge = false): Job {
    const now = this.clock();
    const stamp = format(new TZDate(now.getTime(), TIME_ZONE), 'yyyyMMdd-HHmmss');
    const id = `${stamp}-${kind === 'full' ? 'all' : units[0]}-${randomBytes(3).toString('hex')}`;
    let settle!: () => void;
    const settled = new Promise<void>((r) => (settle = r));
    const controller = new AbortController();
    // The pipeline hands the one signal to every request in flight: many listeners are expected.
    setMaxListeners(0, controller.signal);
    const job: Job = {
      id,
      kind,
      trigger,
      units,
      asOf: todayInShanghai(now),
      outDir: join(resolve(this.settings.reportsDir), id),
      rejudge,
      state: 'running',
      queued: true,
      warnings: [],
      controller,
      settled,
      settle,
    };
    this.jobs.set(id, job);
    // On-demand audits are short and someone is waiting for them: they go before a waiting full run.
    const at = kind === 'unit' ? this.queue.findIndex((j) => j.kind === 'full') : -1;
    if (at === -1) this.queue.push(job);
    else this.queue.splice(at, 0, job);
    this.log(`审计 ${id} 已加入队列（${kind === 'full' ? '全部单位' : `单位 ${units[0]}`}，${trigger === 'schedule' ? '定时' : '手动'}）`);
    queueMicrotask(() => this.pump());
    return job;
  }

  private pump(): void {
    if (this.active || this.closing) return;
    const job = this.queue.shift();
    if (!job) return;
    this.active = job;
    void this.execute(job).finally(() => {
      this.active = null;
      job.settle();
      // Once history holds the run, it answers for it.
      if (this.record(job.id)) this.jobs.delete(job.id);
      this.pump();
    });
  }

  private async execute(job: Job): Promise<void> {
    job.queued = false;
    job.startedAt = this.now();
    const { settings } = this;
    try {
      await this.deps.history.update((d) => {
        beginRun(d, { id: job.id, kind: job.kind, trigger: job.trigger, units: job.units, asOf: job.asOf, startedAt: job.startedAt!, outDir: job.outDir });
      });
      job.controller.signal.throwIfAborted();
      // The dashboard appends reviewer decisions to this file and every audit reads it: it must exist.
      const overrides = settings.overridesFile;
      if (overrides) await this.onOverridesFile(async () => existsSync(overrides) || writeFileAtomic(overrides, OVERRIDES_HEADER));
      const outcome = await this.deps.runner({
        unitsFile: settings.unitsFile,
        only: job.kind === 'unit' ? job.units : undefined,
        fromStore: job.rejudge || undefined,
        asOf: job.asOf,
        dataDir: settings.dataDir,
        outDir: job.outDir,
        concurrency: settings.concurrency,
        minIntervalMs: settings.minIntervalMs,
        allowHosts: settings.allowHosts,
        ownAddresses: settings.ownAddresses,
        ignoreHttpsErrors: settings.ignoreHttpsErrors,
        // A unit that says "we fixed it" must be seen as it is now, not through last night's reading.
        fresh: job.kind === 'unit' || undefined,
        schemeFile: settings.schemeFile,
        overridesFile: settings.overridesFile,
        screenshots: settings.screenshots,
        formats: ['json', 'html', 'xlsx'],
        onProgress: (p) => {
          job.progress = p;
        },
        onWarning: (line) => {
          job.warnings.push(line);
          this.log(`审计 ${job.id}：${line}`);
        },
        signal: job.controller.signal,
      });
      // An audit cut short by shutdown may still return, with units it never reached: do not record that as a result.
      if (job.controller.signal.aborted) throw new Error('aborted');
      this.reports.set(job.outDir, outcome.report);
      job.finishedAt = this.now();
      await this.deps.history.update((d) => {
        completeRun(d, job.id, job.finishedAt!, outcome, settings.warnings, this.deps.scheme);
        keepWarnings(d, job);
        trimRuns(d, settings.retention.historyRuns);
      });
      job.state = 'done';
      this.log(`审计 ${job.id} 完成（${outcome.report.units.length} 个单位）`);
      if (outcome.rechecked.length) this.log(`审计 ${job.id} 复查了 ${outcome.rechecked.length} 项已整改的问题`);
      // A failed notification never fails the run (the outbox keeps and retries it).
      await this.deps.notifier?.audited(outcome.report, this.deps.history.data).catch((err: Error) => this.log(`通知未能加入待发队列：${err.message}`));
    } catch (err) {
      job.finishedAt = this.now();
      job.error = job.controller.signal.aborted ? '服务关闭，审计已中止' : `审计失败：${(err as Error)?.message?.split('\n')[0] ?? String(err)}`;
      job.state = 'failed';
      this.log(`审计 ${job.id} 失败：${job.error}`);
      try {
        await this.deps.history.update((d) => {
          if (!d.runs.some((r) => r.id === job.id)) return;
          failRun(d, job.id, job.finishedAt!, job.error!);
          keepWarnings(d, job);
        });
      } catch (writeErr) {
        this.log(`无法写入历史记录：${(writeErr as Error).message}`);
      }
      return;
    }
    try {
      await this.prune();
    } catch (err) {
      this.log(`清理旧报告目录失败：${(err as Error).message}`);
    }
  }

  /**
   * Retention: keeps the report directories of the newest N runs, then removes
   * the oldest until all together fit the size bound. A directory that holds a
   * unit's latest result or the latest full report is never removed.
   */
  private async prune(): Promise<void> {
    const { runs, maxEvidenceMb } = this.settings.retention;
    const data = this.deps.history.data;
    const root = resolve(this.settings.reportsDir) + sep;
    const keep = new Set<string>();
    for (const state of Object.values(data.units)) {
      const run = state.latestRunId ? this.record(state.latestRunId) : undefined;
      if (run) keep.add(run.outDir);
    }
    const lastFull = data.runs.findLast((r) => r.kind === 'full' && r.state === 'done');
    if (lastFull) keep.add(lastFull.outDir);
    const present = data.runs.filter((r) => r.state !== 'running' && !r.pruned && r.outDir.startsWith(root) && existsSync(r.outDir));
    const newest = new Set(present.slice(-runs));
    const doomed = present.filter((r) => !newest.has(r) && !keep.has(r.outDir));
    const sizes = new Map(present.map((r) => [r, dirBytes(r.outDir)]));
    let total = present.filter((r) => !doomed.includes(r)).reduce((sum, r) => sum + sizes.get(r)!, 0);
    for (const r of present) {
      if (total <= maxEvidenceMb * 1024 * 1024) break;
      if (doomed.includes(r) || keep.has(r.outDir)) continue;
      doomed.push(r);
      total -= sizes.get(r)!;
    }
    if (doomed.length === 0) return;
    for (const r of doomed) {
      rmSync(r.outDir, { recursive: true, force: true });
      this.reports.delete(r.outDir);
    }
    await this.deps.history.update((d) => {
      for (const r of d.runs) if (doomed.some((x) => x.id === r.id)) r.pruned = true;
    });
    this.log(`按保留策略删除了 ${doomed.length} 个旧报告目录`);
  }

  private now(): string {
    return nowIso(this.clock());
  }
}

function keepWarnings(d: HistoryData, job: Job): void {
  const run = d.runs.find((r) => r.id === job.id);
  if (run && job.warnings.length > 0) run.warnings = [...job.warnings];
}

function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((res) => {
    const timer = setTimeout(() => res(false), ms);
    void p.then(() => {
      clearTimeout(timer);
      res(true);
    });
  });
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(path);
    else if (entry.isFile()) total += lstatSync(path).size;
  }
  return total;
}
