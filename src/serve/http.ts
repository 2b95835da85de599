import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import type { HistoryStore } from '../history/history-store.ts';
import {
  allowedHosts, canRead, clearSessionCookie, crossSiteReason, hasBearer, hostAllowed, sessionCookie, sessionId, Sessions, tokenMatches, type AccessPolicy,
} from './auth.ts';
import type { OutboxSummary } from '../notify/outbox.ts';
import { parseState, type DeskFilter } from '../review/desk.ts';
import { ReplyFileError } from '../review/reply-xlsx.ts';
import { overviewFilter, overviewRows, renderError, renderLogin, renderOverview, renderReviews, renderUnitPage, reviewCell, unitTrend, type PageContext } from './dashboard.ts';
import { ActionError, AuditService, UnknownUnitError, type OverrideInput, type ReviewInput } from './service.ts';

/**
 * The dashboard and the HTTP API of DESIGN.md on node:http:
 *   GET  /                          dashboard (HTML)          GET /units/<id>   one unit (HTML)
 *   GET  /api/units                 every unit's latest result (report.json units[] entries + auditedAt, runId)
 *   GET  /api/units/<id>            one unit's latest result with auditedAt
 *   POST /api/units/<id>/audit      Bearer token → 202 {runId} | 409 {runId} | 401 | 404 | 403 cross-site
 *   POST /api/units/<id>/overrides  Bearer token, JSON {rule, code, url, decision: waived|confirmed, reason}
 *                                   → 202 {runId} of the re-judge | 400 | 404 | 409
 *   POST /api/units/<id>/reviews    Bearer token, JSON {id: 问题编号, state, by, reason} → 200 {state, label, runId?} | 400 | 404
 *   POST /api/reviews/import        Bearer token, body: a returned 整改情况表 (.xlsx, ≤ 5 MB)
 *                                   → 200 {unitId, fixed, notFixed, runId?} | 400 {error, lines}
 *   GET  /reviews, /api/reviews     findings with their review states (?state=&unit=&rule=)
 *   GET  /units/<id>/notice.html|notice.pdf|reply.xlsx   the unit's 整改通知 / 整改情况表, written now → 303 to its run file
 *   GET  /api/runs/<runId>          {state: running|done|failed, …progress, error}
 *   GET  /api/status                schedule and runs in progress
 *   GET  /runs/<runId>/<file>       report.html|xlsx|json|pdf (PDF printed on first request), units/<id>.html, evidence/…
 *   GET  /login                     login page; POST /login (form field `token`, optional `next`) → 303 + session cookie
 *   GET|POST /logout                revokes the session
 * Every request must carry an allowed Host header (auth.ts allowedHosts), else 421.
 */

export interface ServerOptions {
  service: AuditService;
  history: HistoryStore;
  policy: AccessPolicy;
  /** Prints report.html to PDF (src/browser/pdf.ts in production). */
  pdfWriter: (htmlFile: string, pdfFile: string) => Promise<void>;
  log?: (line: string) => void;
  /** Login sessions (a clock can be injected for tests). Default: 12 hours each. */
  sessions?: Sessions;
  /** Host headers answered (auth.ts allowedHosts); startDashboardServer fills it once it listens. Absent: any. */
  allowedHosts?: ReadonlySet<string>;
  /** The notifications' outbox (sent, waiting, failed), when notifications are configured. */
  outbox?: () => OutboxSummary;
}

const SESSION_HOURS = 12;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.txt': 'text/plain; charset=utf-8',
  '.pdf': 'application/pdf',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Files of a run directory that may be served (evidence anywhere below evidence/). */
const SERVABLE = /^(report\.(html|xlsx|json|pdf)|units\/[A-Za-z0-9_-]+\.html|notice-[A-Za-z0-9_-]+\.(html|pdf)|reply-[A-Za-z0-9_-]+\.xlsx|evidence\/.+)$/;
/** A returned 整改情况表 is a small file; anything bigger is not one. */
const MAX_UPLOAD = 5 * 1024 * 1024;
const RUN_ID = /^[A-Za-z0-9_-]+$/;

const BASE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A path segment, decoded; a malformed `%` escape names nothing here (404, not a 500). */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(404, '地址中含有无效的 % 转义');
  }
}

/** Where to go after login: a path on this site only (no `//host` or scheme: no open redirect). */
function localTarget(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : '/';
}

export function createDashboardHandler(opts: ServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { service, history, policy } = opts;
  const log = opts.log ?? (() => {});
  const sessions = opts.sessions ?? new Sessions({ ttlMs: SESSION_HOURS * 3600_000 });
  const pdfJobs = new Map<string, Promise<void>>();

  function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
    res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store', ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  function json(res: ServerResponse, status: number, body: unknown): void {
    send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
  }

  function page(res: ServerResponse, status: number, render: (ctx: PageContext) => string): void {
    const nonce = randomBytes(16).toString('base64');
    const ctx: PageContext = { nonce, actionsEnabled: Boolean(policy.token), loginRequired: !policy.publicRead, catalog: service.catalog };
    send(res, status, 'text/html; charset=utf-8', render(ctx), {
      'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    });
  }

  function unitOr404(id: string) {
    const unit = service.units().find((u) => u.id === id);
    if (!unit) throw new HttpError(404, `单位编号 ${id} 不在单位名单中`);
    return unit;
  }

  function latestJson(id: string) {
    const latest = service.latest(id);
    return latest && { ...latest.result, auditedAt: latest.auditedAt, runId: latest.runId };
  }

  async function serveRunFile(req: IncomingMessage, res: ServerResponse, runId: string, encodedRest: string): Promise<void> {
    const run = RUN_ID.test(runId) ? service.record(runId) : undefined;
    if (!run || run.pruned) throw new HttpError(404, '该次审计的报告不存在或已按保留策略删除');
    const segments = encodedRest.split('/').map(decodeSegment);
    // Every segment a plain name: no empty, dot, slash, backslash or NUL segment can reach the file system.
    if (segments.some((s) => s === '' || s === '.' || s === '..' || /[/\\\0]/.test(s))) throw new HttpError(404, '文件不存在');
    const rel = segments.join('/');
    const type = CONTENT_TYPES[extname(rel).toLowerCase()];
    if (!SERVABLE.test(rel) || !type) throw new HttpError(404, '文件不存在');
    const root = resolve(run.outDir);
    const file = resolve(root, rel);
    if (!file.startsWith(root + sep)) throw new HttpError(404, '文件不存在');
    if (rel === 'report.pdf' && !existsSync(file)) await printPdf(root);
    if (!existsSync(file)) throw new HttpError(404, '文件不存在');
    // A symlink inside the run directory must not lead outside it.
    if (!realpathSync(file).startsWith(realpathSync(root) + sep) || !statSync(file).isFile()) throw new HttpError(404, '文件不存在');
    const headers: Record<string, string> = { ...BASE_HEADERS, 'Content-Type': type, 'Content-Length': String(statSync(file).size), 'Cache-Control': 'private, max-age=300' };
    if (type.startsWith('text/html')) {
      // Reports embed crawled text and need no script: none may run on the dashboard's origin.
      // (Not a CSP sandbox: its opaque origin would lose the login cookie and the evidence images.)
      headers['Content-Security-Policy'] = "default-src 'none'; script-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";
    }
    if (rel === 'report.xlsx' || rel === 'report.pdf') headers['Content-Disposition'] = `attachment; filename="zwgk-report-${run.id}${extname(rel)}"`;
    else if (/^(notice-.+\.pdf|reply-.+\.xlsx)$/.test(rel)) headers['Content-Disposition'] = `attachment; filename="${rel}"`;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }

  /** One print per run directory at a time; the PDF then stays beside the HTML as a cache. */
  async function printPdf(root: string): Promise<void> {
    const html = join(root, 'report.html');
    if (!existsSync(html)) throw new HttpError(404, '该次审计没有 HTML 报告，无法生成 PDF');
    let job = pdfJobs.get(root);
    if (!job) {
      job = opts.pdfWriter(html, join(root, 'report.pdf')).finally(() => pdfJobs.delete(root));
      pdfJobs.set(root, job);
    }
    try {
      await job;
    } catch (err) {
      throw new HttpError(500, `PDF 生成失败：${(err as Error).message.split('\n')[0]}`);
    }
  }

  function overviewPage(res: ServerResponse, filter: string | null): void {
    const data = history.data;
    const lastFull = data.runs.findLast((r) => r.kind === 'full' && r.state !== 'running');
    const lastDone = data.runs.findLast((r) => r.kind === 'full' && r.state === 'done');
    const report = lastDone ? service.report(lastDone.outDir) : undefined;
    const rows = overviewRows(service.units(), data, (id) => service.latest(id));
    page(res, 200, (ctx) =>
      renderOverview(
        { rows, filter: overviewFilter(filter), lastFull, lastReport: lastDone, nextRun: service.nextScheduledRun(), active: service.activeRuns(), schemeTitle: report?.schemeTitle ?? report?.scheme, asOf: report?.asOf, outbox: opts.outbox?.() },
        ctx,
      ),
    );
  }

  function unitPage(res: ServerResponse, id: string): void {
    const unit = unitOr404(id);
    const latest = service.latest(id);
    const run = latest && service.record(latest.runId);
    const perUnit = run && existsSync(join(run.outDir, 'units', `${id}.html`)) ? `/runs/${run.id}/units/${id}.html` : run ? `/runs/${run.id}/report.html` : undefined;
    page(res, 200, (ctx) =>
      renderUnitPage(
        {
          unit,
          latest,
          state: history.data.units[id],
          findings: history.data.findings[id] ?? [],
          trend: unitTrend(history.data, id),
          active: service.activeRuns().find((r) => r.kind === 'unit' && r.units[0] === id),
          unitReport: perUnit,
          reviewEnabled: Boolean(service.settings.overridesFile),
          ...(service.desk ? { reviewOf: (f) => reviewCell(service.desk!, id, f) } : {}),
        },
        ctx,
      ),
    );
  }

  function reviewFilter(url: URL): DeskFilter {
    const state = parseState(url.searchParams.get('state') ?? '');
    const unit = url.searchParams.get('unit');
    const rule = url.searchParams.get('rule');
    return { ...(state ? { state } : {}), ...(unit ? { unit } : {}), ...(rule ? { rule } : {}) };
  }

  function reviewsPage(res: ServerResponse, url: URL): void {
    const desk = service.desk;
    if (!desk) throw new HttpError(404, '服务未启用复核记录');
    const filter = reviewFilter(url);
    page(res, 200, (ctx) => renderReviews({ rows: desk.list(filter), filter, units: service.units(), outbox: opts.outbox?.() }, ctx));
  }

  function logout(req: IncomingMessage, res: ServerResponse): void {
    sessions.revoke(sessionId(req));
    res.writeHead(303, { ...BASE_HEADERS, 'Set-Cookie': clearSessionCookie(policy), Location: policy.publicRead ? '/' : '/login' });
    res.end();
  }

  /** POST /login: the token in the form body; a session on success. The token is never logged. */
  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req, /^application\/x-www-form-urlencoded\b/i, '请求体应为表单（Content-Type: application/x-www-form-urlencoded）'));
    if (!tokenMatches(form.get('token'), policy)) {
      log('登录失败：令牌无效');
      return page(res, 401, (ctx) => renderLogin(ctx, '令牌无效，请重新输入。', localTarget(form.get('next'))));
    }
    res.writeHead(303, { ...BASE_HEADERS, 'Set-Cookie': sessionCookie(sessions.create(), sessions, policy), Location: localTarget(form.get('next')) });
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A page of another site whose name was rebound to this address (DNS rebinding) names that site here.
    if (opts.allowedHosts && !hostAllowed(req, opts.allowedHosts)) {
      throw new HttpError(421, '请求的主机名不是本服务的地址（请使用配置的 publicUrl、监听地址或 localhost 访问）');
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const isApi = path.startsWith('/api/');

    if (req.method === 'POST') {
      const m = /^\/api\/units\/([^/]+)\/(audit|overrides|reviews)$/.exec(path);
      const upload = path === '/api/reviews/import';
      if (!m && !upload && path !== '/login' && path !== '/logout') throw new HttpError(404, '没有这个接口');
      const why = crossSiteReason(req);
      if (why) {
        log(`拒绝跨站请求 ${path}（${why}）`);
        throw new HttpError(403, '拒绝跨站请求：只能从本系统页面或持有令牌的脚本发起操作');
      }
      if (path === '/logout') return logout(req, res);
      if (!policy.token) throw new HttpError(401, '服务未配置操作令牌（ZWGK_TOKEN），无法执行操作');
      if (!m && !upload) return login(req, res);
      if (!hasBearer(req, policy)) throw new HttpError(401, '需要有效的操作令牌（请求头 Authorization: Bearer <令牌>）');
      try {
        if (upload) {
          const name = (url.searchParams.get('name') ?? '整改情况表.xlsx').replace(/[\\/\0]/g, '_').slice(0, 80);
          return json(res, 200, await service.importReply(await readBytes(req), name));
        }
        const id = decodeSegment(m![1]!);
        if (m![2] === 'reviews') return json(res, 200, await service.setReview(id, (await readJson(req)) as ReviewInput));
        if (m![2] === 'overrides') return json(res, 202, await service.addOverride(id, (await readJson(req)) as OverrideInput));
        const { runId, conflict } = service.startUnit(id);
        if (conflict) return json(res, 409, { runId, error: '该单位已有审计正在进行或排队，请等待其完成' });
        log(`单位 ${id} 的立即审计已受理（${runId}）`);
        return json(res, 202, { runId });
      } catch (err) {
        if (err instanceof HttpError) throw err;
        if (err instanceof ReplyFileError) return json(res, 400, { error: `整改情况表有 ${err.lines.length} 处问题，未导入任何内容`, lines: err.lines });
        if (err instanceof UnknownUnitError) throw new HttpError(404, err.message);
        if (err instanceof ActionError) throw new HttpError(err.status, err.message);
        throw new HttpError(503, (err as Error).message);
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, '不支持的请求方法');

    if (path === '/logout') return logout(req, res);
    // The token never travels in an address (it would stay in logs and the browser history).
    if (url.searchParams.has('token')) {
      if (isApi) throw new HttpError(400, '令牌不能放在地址中：请使用请求头 Authorization: Bearer <令牌>');
      return page(res, 400, (ctx) => renderLogin(ctx, '令牌不能放在地址中，请在下面输入。', path === '/login' ? '/' : path));
    }
    if (path === '/login') return page(res, 200, (ctx) => renderLogin(ctx, undefined, localTarget(url.searchParams.get('next'))));
    if (!canRead(req, policy, sessions)) {
      if (isApi || path.startsWith('/runs/')) throw new HttpError(401, '需要有效的访问令牌（Authorization: Bearer <令牌>，或先在页面登录）');
      return page(res, 401, (ctx) => renderLogin(ctx, policy.token ? undefined : '服务未配置访问令牌，且未开启公开查看（publicRead）。', `${path}${url.search}`));
    }

    if (path === '/' || path === '/index.html') return overviewPage(res, url.searchParams.get('filter'));
    let m = /^\/units\/([^/]+)$/.exec(path);
    if (m) return unitPage(res, decodeSegment(m[1]!));
    if (path === '/reviews') return reviewsPage(res, url);
    if (path === '/api/reviews') {
      if (!service.desk) throw new HttpError(404, '服务未启用复核记录');
      return json(res, 200, service.desk.list(reviewFilter(url)).map(({ unit, id, key, state, review, finding }) => ({ unit, id, key, state, log: review?.log ?? [], ...(finding ? { finding } : {}) })));
    }
    m = /^\/units\/([^/]+)\/(notice\.html|notice\.pdf|reply\.xlsx)$/.exec(path);
    if (m) {
      const kind = m[2] === 'reply.xlsx' ? 'xlsx' : m[2] === 'notice.pdf' ? 'pdf' : 'html';
      try {
        const { runId, file } = await service.writeNotice(decodeSegment(m[1]!), kind);
        res.writeHead(303, { ...BASE_HEADERS, Location: `/runs/${runId}/${file}`, 'Cache-Control': 'no-store' });
        return void res.end();
      } catch (err) {
        if (err instanceof UnknownUnitError) throw new HttpError(404, err.message);
        if (err instanceof ActionError) throw new HttpError(err.status, err.message);
        throw err;
      }
    }
    m = /^\/runs\/([^/]+)\/(.+)$/.exec(path);
    if (m) return serveRunFile(req, res, m[1]!, m[2]!);

    if (path === '/api/units') {
      return json(
        res,
        200,
        service
          .units()
          .map((u) => latestJson(u.id))
          .filter(Boolean),
      );
    }
    m = /^\/api\/units\/([^/]+)$/.exec(path);
    if (m) {
      const unit = unitOr404(decodeSegment(m[1]!));
      const latest = latestJson(unit.id);
      if (!latest) throw new HttpError(404, `单位 ${unit.id}（${unit.name}）尚无审计结果`);
      return json(res, 200, latest);
    }
    m = /^\/api\/runs\/([^/]+)$/.exec(path);
    if (m) {
      const run = service.getRun(decodeSegment(m[1]!));
      if (!run) throw new HttpError(404, '没有这次审计');
      return json(res, 200, run);
    }
    if (path === '/api/status') {
      const next = service.nextScheduledRun();
      const lastFull = history.data.runs.findLast((r) => r.kind === 'full');
      return json(res, 200, { nextRun: next?.toISOString() ?? null, active: service.activeRuns(), lastFull: lastFull ? service.getRun(lastFull.id) : null, ...(opts.outbox ? { outbox: opts.outbox() } : {}) });
    }
    throw new HttpError(404, '页面不存在');
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof HttpError ? err.message : `服务器内部错误：${(err as Error).message?.split('\n')[0] ?? String(err)}`;
      if (status === 500) log(message);
      if (res.headersSent) return void res.destroy();
      const path = (req.url ?? '/').split('?')[0]!;
      if (path.startsWith('/api/') || path.startsWith('/runs/')) return json(res, status, { error: message });
      page(res, status, (ctx) => renderError(ctx, message));
    });
  };
}

const MAX_BODY = 16 * 1024;

/** The request body, refused with `tooBig` once it passes `max` bytes. */
async function readLimited(req: IncomingMessage, max: number, tooBig: HttpError): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > max) throw tooBig;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw tooBig;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readBody(req: IncomingMessage, type: RegExp, wrongType: string): Promise<string> {
  if (!type.test(req.headers['content-type'] ?? '')) throw new HttpError(400, wrongType);
  return (await readLimited(req, MAX_BODY, new HttpError(400, '请求体过大'))).toString('utf8');
}

/** An uploaded file's bytes (a spreadsheet type or application/octet-stream), at most MAX_UPLOAD. */
async function readBytes(req: IncomingMessage): Promise<Buffer> {
  if (!/^application\/(octet-stream|vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet)\b/i.test(req.headers['content-type'] ?? '')) {
    throw new HttpError(400, '请上传 xlsx 文件（Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet）');
  }
  return readLimited(req, MAX_UPLOAD, new HttpError(413, '文件过大（整改情况表应小于 5 MB）'));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req, /^application\/json\b/i, '请求体应为 JSON（Content-Type: application/json）');
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object') return body;
  } catch {
    // reported below
  }
  throw new HttpError(400, '请求体不是有效的 JSON 对象');
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startDashboardServer(opts: ServerOptions & { host: string; port: number; publicUrl?: string }): Promise<RunningServer> {
  const hosts = new Set<string>();
  const server = createServer(createDashboardHandler({ ...opts, allowedHosts: hosts }));
  server.requestTimeout = 60_000;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address() as AddressInfo;
  for (const h of allowedHosts({ hosts: [opts.host, addr.address], port: addr.port }, opts.publicUrl)) hosts.add(h);
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${host}:${addr.port}`,
    // Stop accepting; requests in flight get a moment to finish, then their connections are cut.
    close: () =>
      new Promise<void>((ok) => {
        const force = setTimeout(() => server.closeAllConnections(), 1000);
        server.close(() => {
          clearTimeout(force);
          ok();
        });
        server.closeIdleConnections();
      }),
  };
}
