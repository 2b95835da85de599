import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rng } from '../fixtures/portal/gen.ts';

/**
 * A synthetic county portal for the benchmark, served on 127.0.0.1. Pages are
 * built like real county portals (header, nav, left column tree, list, pager,
 * friendly links, footer; ~20 KB of UTF-8), deterministically from the
 * parameters, and cached as bytes so serving costs the crawlers little CPU.
 *
 * Three list styles:
 * - `static`: TRS-style `index.html`, `index_N.html` pages with 下一页 links;
 * - `jiyue`: Jiangxi 集约化-style pages whose list is filled by
 *   `loadPageData(params, unitid)` from a JSON endpoint (a crawler that knows
 *   the platform reads the endpoint; a browser runs the served utils.js);
 * - `opaque`: a list built by an inline script from an endpoint no parser can
 *   know, so only a browser gets the items (forces the browser path).
 *
 * HTML pages carry ETag and Last-Modified and answer conditional requests
 * with 304, as the static files of real portals do.
 *
 * The server counts every request by kind and by column, and tells browser
 * reads apart: the served scripts mark their data requests with `x-bench-js`.
 */

export type ListStyle = 'static' | 'jiyue' | 'opaque';

export interface PortalOptions {
  units: number;
  columns: number;
  pagesPerColumn: number;
  itemsPerPage: number;
  latencyMs: number;
  /** Requests handled at once; the rest wait in line. 0 = no limit. */
  serverConcurrency: number;
  /** Style of each unit's lists, by unit index; default all static. */
  styleOf?: (unitIndex: number) => ListStyle;
  /** Pad every page's chrome so a list page is about this many bytes (default 20 000). */
  targetPageBytes?: number;
}

export interface PortalUnit {
  id: string;
  name: string;
  type: 'department' | 'town' | 'farm';
  url: string;
  style: ListStyle;
}

export interface ColumnCounter {
  /** Requests for the column's list pages (HTML) and its list endpoint, all clients. */
  requests: number;
  /** Distinct list pages whose items a non-browser client read from the endpoint. */
  endpointPages: Set<number>;
  /** Distinct list pages whose items a browser read. */
  browserPages: Set<number>;
}

export interface PortalCounters {
  total: number;
  byKind: Record<RequestKind, number>;
  /** Data requests made by the served scripts, i.e. by a browser. */
  browser: number;
  /** Conditional requests answered 304. */
  notModified: number;
  byColumn: Map<string, ColumnCounter>;
  bytes: number;
}

export type RequestKind = 'robots' | 'home' | 'index' | 'list' | 'endpoint' | 'article' | 'asset' | 'other';

const SITE = '宜丰县人民政府';
const DAY = 86_400_000;
/** Newest item of the freshest column (2021-01-15): the portal as seen just before the as-of date 2021-01-20. */
const NEWEST = Date.UTC(2021, 0, 15);

const COLUMN_NAMES = [
  '机构职能', '领导信息', '信息公开指南', '信息公开制度', '政策文件', '规范性文件', '政策解读', '通知公告',
  '规划计划', '人事信息', '财政预决算', '行政执法', '重点工作', '年度报告', '建议提案办理', '工作动态',
  '统计信息', '应急管理', '行政许可', '行政处罚', '社会救助', '安全生产', '生态环境', '招标采购', '公共服务',
  '价格收费', '教育信息', '医疗卫生', '就业创业', '乡村振兴',
];

/**
 * Columns that hold a handful of items on real portals whatever the site's
 * size (one list page each); the others get `pagesPerColumn` full pages.
 */
const SMALL_COLUMNS: Record<string, number> = { 机构职能: 2, 领导信息: 6, 信息公开指南: 1, 信息公开制度: 4 };
/** 年度报告: the reports on 2008–2019. */
const ANNUAL_REPORTS = 12;

const DEPARTMENTS = [
  '县发展和改革委员会', '县教育体育局', '县科学技术和工业信息化局', '县公安局', '县民政局', '县司法局', '县财政局',
  '县人力资源和社会保障局', '县自然资源局', '县生态环境局', '县住房和城乡建设局', '县交通运输局', '县水利局',
  '县农业农村局', '县商务局', '县文化广电新闻出版旅游局', '县卫生健康委员会', '县退役军人事务局', '县应急管理局',
  '县审计局', '县市场监督管理局', '县统计局', '县医疗保障局', '县林业局', '县城市管理局', '县行政审批局', '县信访局',
  '县机关事务服务中心', '县乡村振兴局', '县人民防空办公室', '县供销合作社', '县融媒体中心', '县档案馆',
  '县住房公积金管理中心', '县工业园区管委会', '县数据管理局', '县粮食局', '县国有资产管理办公室', '县金融工作办公室',
  '县民族宗教事务局', '县科学技术协会', '县总工会', '县妇女联合会', '县残疾人联合会', '县红十字会',
  '县地方志办公室', '县投资促进局', '县公路事业发展中心', '县气象局', '县税务局', '县烟草专卖局', '县邮政管理局',
  '县消防救援大队', '县人民武装部', '县疾病预防控制中心', '县不动产登记中心', '县公共资源交易中心', '县招商服务中心',
  '县旅游发展服务中心', '县农业技术推广中心',
];
const TOWN_SYLLABLES = '新棠石潭澄芳同黄天车桥花上下东西南北大小金龙凤桃梅竹松清溪江湖山岭坪田塘岗';
const FARMS = ['黄岗山垦殖场', '白水洲林场', '双峰林场', '找桥垦殖场', '官山林场', '潭山林场', '西岭垦殖场', '东岭林场'];

const TOPICS = [
  '优化营商环境', '安全生产专项整治', '城乡环境综合整治', '农村人居环境整治', '乡村振兴战略', '疫情防控', '复工复产',
  '防汛抗旱', '森林防火', '秸秆禁烧', '义务教育均衡发展', '困难群众救助', '就业援助月', '农民工工资支付',
  '河长制工作', '林长制工作', '扫黑除恶专项斗争', '双拥工作', '食品安全', '药品安全', '消防安全', '道路交通安全',
  '脱贫攻坚', '高标准农田建设', '政务服务一网通办', '放管服改革', '政务公开', '财政预算执行', '国有资产管理',
  '招商引资', '项目建设', '文明城市创建', '卫生城市创建', '全民健身', '老旧小区改造', '城乡居民医保', '社会救助',
  '生态环境保护', '污染防治攻坚战', '统计调查',
];
const TITLE_FORMS: ((unit: string, topic: string, y: number, m: number) => string)[] = [
  (u, t, y) => `关于印发《${u}${y}年${t}工作实施方案》的通知`,
  (u, t) => `${u}关于做好${t}工作的通知`,
  (u, t, y, m) => `${u}${y}年${m}月${t}工作情况通报`,
  (u, t) => `关于开展${t}专项行动的公告`,
  (u, t, y) => `${y}年${t}工作要点`,
  (u, t) => `${u}关于进一步加强${t}的实施意见`,
  (u, t, y) => `《${u}${t}实施办法（${y}年修订）》政策解读`,
  (u, t) => `关于公布${t}有关事项的公示`,
];

interface Column {
  unit: number;
  index: number;
  code: string;
  name: string;
  /** Items at creation; items added later get newer dates. */
  base: number;
  extra: number;
  newest: number;
  stepDays: number;
}

export class SyntheticPortal {
  readonly opts: Required<Omit<PortalOptions, 'styleOf'>> & Pick<PortalOptions, 'styleOf'>;
  readonly units: PortalUnit[] = [];
  private readonly columns: Column[][] = [];
  /** Script-rendered columns by their platform code (`col10104`), for the list APIs. */
  private readonly byCode = new Map<string, Column>();
  private server: Server | null = null;
  private origin = '';
  private cache = new Map<string, Served>();
  /** Validators per path, kept across re-renders so Last-Modified moves only when the content does. */
  private validators = new Map<string, { etag: string; lastModified: number }>();
  private active = 0;
  private waiting: (() => void)[] = [];
  counters: PortalCounters = emptyCounters();
  private chromePad = '';

  constructor(opts: PortalOptions) {
    this.opts = { targetPageBytes: 20_000, ...opts };
    if (opts.columns > COLUMN_NAMES.length) throw new Error(`at most ${COLUMN_NAMES.length} columns per unit`);
    const townNames = townNameList();
    let d = 0, t = 0, f = 0;
    for (let u = 0; u < opts.units; u++) {
      // Mix like a real county: mostly departments, a third townships, a few farms.
      const kind = u % 12 === 11 && f < FARMS.length ? 'farm' : u % 3 === 2 || d >= DEPARTMENTS.length ? 'town' : 'department';
      const name = kind === 'farm' ? FARMS[f++]! : kind === 'town' ? townNames[t++]! : DEPARTMENTS[d++]!;
      const id = `u${String(u + 1).padStart(3, '0')}`;
      const style = opts.styleOf?.(u) ?? 'static';
      this.units.push({ id, name, type: kind, url: '', style });
      const cols: Column[] = [];
      for (let c = 0; c < opts.columns; c++) {
        const rnd = rng(u * 1000 + c + 1);
        // Most columns are fresh; about one in six has gone stale (newest item 200–500 days old).
        const ageDays = rnd() < 0.17 ? 200 + Math.floor(rnd() * 300) : Math.floor(rnd() * 60);
        const name = COLUMN_NAMES[c]!;
        const annual = name === '年度报告';
        cols.push({
          unit: u,
          index: c,
          code: style === 'static' ? `c${String(c + 1).padStart(2, '0')}` : `col${10000 + u * 100 + c}`,
          name,
          base: SMALL_COLUMNS[name] ?? (annual ? ANNUAL_REPORTS : opts.pagesPerColumn * opts.itemsPerPage),
          extra: 0,
          // Annual reports: one a year, each in January after the year it reports on.
          newest: annual ? Date.UTC(2020, 0, 8 + (u % 20)) : NEWEST - ageDays * DAY,
          stepDays: annual ? 365 : 1 + Math.floor(rnd() * 12),
        });
      }
      this.columns.push(cols);
      if (style !== 'static') for (const col of cols) this.byCode.set(col.code, col);
    }
  }

  get url(): string {
    return this.origin;
  }

  /** `host`: another loopback address (the province bench gives each portal its own). */
  async listen(host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    this.origin = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    for (const unit of this.units) unit.url = `${this.origin}${this.unitBase(unit)}index.html`;
    this.chromePad = this.computePad();
    return this.origin;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  setLatency(ms: number): void {
    this.opts.latencyMs = ms;
  }

  setServerConcurrency(n: number): void {
    this.opts.serverConcurrency = n;
  }

  resetCounters(): PortalCounters {
    const previous = this.counters;
    this.counters = emptyCounters();
    return previous;
  }

  /** The units file of the portal, or of its first `first` units. */
  unitsCsv(first = this.units.length): string {
    const rows = this.units.slice(0, first).map((u) => `${u.id},${u.name},${u.type},${u.url}`);
    return `id,name,type,url\n${rows.join('\n')}\n`;
  }

  /** Column keys (`unitId/code`) of every column, in order. */
  columnKeys(filter?: (unit: PortalUnit) => boolean): string[] {
    const keys: string[] = [];
    this.units.forEach((unit, u) => {
      if (filter && !filter(unit)) return;
      for (const col of this.columns[u]!) keys.push(`${unit.id}/${col.code}`);
    });
    return keys;
  }

  /** Items in each column now, by key (`unitId/code`). */
  itemCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    this.units.forEach((unit, u) => {
      for (const col of this.columns[u]!) out[`${unit.id}/${col.code}`] = col.base + col.extra;
    });
    return out;
  }

  /** Items a complete crawl of these units' lists finds. */
  expectedItems(filter?: (unit: PortalUnit) => boolean): number {
    let n = 0;
    this.units.forEach((unit, u) => {
      if (filter && !filter(unit)) return;
      for (const col of this.columns[u]!) n += col.base + col.extra;
    });
    return n;
  }

  /** List pages of these units (what a complete crawl reads). */
  expectedListPages(filter?: (unit: PortalUnit) => boolean): number {
    let n = 0;
    this.units.forEach((unit, u) => {
      if (filter && !filter(unit)) return;
      for (const col of this.columns[u]!) n += this.pageCount(col);
    });
    return n;
  }

  /** A new item on top of a deterministic `fraction` of all columns (a night's changes); returns their keys. */
  addItems(fraction: number, seed = 1): string[] {
    const rnd = rng(0x5eed + seed);
    const all = this.columns.flat();
    const want = Math.round(all.length * fraction);
    const picked = new Set<Column>();
    while (picked.size < want) picked.add(all[Math.floor(rnd() * all.length)]!);
    for (const col of picked) col.extra++;
    this.cache.clear();
    return [...picked].map((c) => `${this.units[c.unit]!.id}/${c.code}`);
  }

  /** Renders every static page once, so timed runs measure the crawler, not the page builder. */
  warm(): void {
    this.units.forEach((unit, u) => {
      this.page(`${this.unitBase(unit)}index.html`);
      if (unit.style !== 'static') return;
      for (const col of this.columns[u]!) {
        for (let p = 0; p < this.pageCount(col); p++) this.page(this.listPath(unit, col, p));
      }
    });
  }

  /** Bytes of one full static list page (for the report). */
  sampleListPageBytes(): number {
    const u = this.units.findIndex((x) => x.style === 'static');
    if (u < 0) return 0;
    return this.page(this.listPath(this.units[u]!, this.biggestColumn(u), 0))?.body.length ?? 0;
  }

  private biggestColumn(u: number): Column {
    return this.columns[u]!.reduce((a, b) => (b.base > a.base ? b : a));
  }

  // ---------------------------------------------------------------- serving

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.opts.serverConcurrency > 0 && this.active >= this.opts.serverConcurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active++;
    try {
      const form = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : null;
      if (this.opts.latencyMs > 0) await sleep(this.opts.latencyMs);
      this.respond(req, res, form);
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private respond(req: IncomingMessage, res: ServerResponse, form: URLSearchParams | null): void {
    const url = new URL(req.url ?? '/', this.origin);
    for (const [k, v] of form ?? []) url.searchParams.append(k, v);
    const path = url.pathname;
    const fromBrowser = req.headers['x-bench-js'] !== undefined;
    const c = this.counters;
    c.total++;
    if (fromBrowser) c.browser++;

    let kind: RequestKind = 'other';
    let body: Buffer | null = null;
    let served: Served | null = null;
    let type = 'text/html; charset=utf-8';
    if (path === '/robots.txt') {
      kind = 'robots';
      type = 'text/plain; charset=utf-8';
      body = Buffer.from('User-agent: *\nDisallow: /admin/\nDisallow: /search/\n');
    } else if (path === '/' || path === '/index.html') {
      kind = 'home';
      served = this.page('/index.html');
    } else if (path === '/queryList' || path === '/api/opaque') {
      kind = 'endpoint';
      const out = this.endpoint(path, url.searchParams, fromBrowser);
      if (out) {
        body = Buffer.from(JSON.stringify(out));
        type = 'application/json; charset=utf-8';
      }
    } else if (path.startsWith('/commonfiles/') || path.startsWith('/images/')) {
      kind = 'asset';
      body = this.asset(path);
      type = path.endsWith('.js') ? 'application/javascript; charset=utf-8' : path.endsWith('.css') ? 'text/css' : 'image/png';
    } else {
      const hit = this.route(path);
      if (hit) {
        kind = hit.kind;
        if (hit.column && hit.kind === 'list') columnCounter(c, hit.column).requests++;
        served = this.page(path);
      }
    }
    c.byKind[kind]++;
    if (served) {
      const { etag, lastModified } = served;
      const since = req.headers['if-modified-since'];
      const fresh = req.headers['if-none-match'] !== undefined
        ? req.headers['if-none-match'] === etag
        : since !== undefined && Date.parse(since) >= Date.parse(lastModified);
      if (fresh) {
        c.notModified++;
        res.writeHead(304, { etag, 'last-modified': lastModified });
        res.end();
        return;
      }
      body = served.body;
    }
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><head><title>404</title></head><body>页面不存在</body></html>');
      return;
    }
    c.bytes += body.length;
    const validators = served ? { etag: served.etag, 'last-modified': served.lastModified } : {};
    res.writeHead(200, { 'content-type': type, 'content-length': body.length, ...validators });
    res.end(body);
  }

  private route(path: string): { kind: RequestKind; unit?: PortalUnit; column?: string; page?: number } | null {
    const m = /^\/xxgk\/(u\d{3})\/(?:(c\d{2}|col\/col\d+)\/)?(?:(index(?:_(\d+))?\.html)|(\d{6})\/t(\d{8})_(\d+)\.html)$/.exec(path);
    if (!m) return null;
    const u = this.units.findIndex((x) => x.id === m[1]);
    const unit = this.units[u];
    if (!unit) return null;
    if (!m[2]) return m[3] === 'index.html' ? { kind: 'index', unit } : null;
    const code = m[2].replace(/^col\//, '');
    const column = `${unit.id}/${code}`;
    if (m[3]) return { kind: 'list', unit, column, page: m[4] ? Number(m[4]) : 0 };
    return { kind: 'article', unit, column };
  }

  /**
   * `/queryList`: the 集约化 (开普云 UCAP) list API — form fields `current`,
   * `pageSize`, `channelCode[]`; answer `{data:{results:[{source:{title,
   * pubDate (epoch ms), urls:'{"pc":…}', topStatus}}], total}}`.
   * `/api/opaque`: a list API of no known platform, for the script-only pages.
   */
  private endpoint(path: string, q: URLSearchParams, fromBrowser: boolean): object | null {
    const opaque = path === '/api/opaque';
    const found = this.byCode.get((opaque ? q.get('k') : q.get('channelCode[]') ?? q.get('channelCode')) ?? '');
    if (!found) return null;
    const unit = this.units[found.unit]!;
    const col = found;
    const perPage = Number((opaque ? q.get('n') : q.get('pageSize')) ?? this.opts.itemsPerPage) || this.opts.itemsPerPage;
    const current = Math.max(1, Number((opaque ? q.get('p') : q.get('current')) ?? 1) || 1);
    const counter = columnCounter(this.counters, `${unit.id}/${col.code}`);
    counter.requests++;
    (fromBrowser ? counter.browserPages : counter.endpointPages).add(current - 1);
    const total = col.base + col.extra;
    const items = this.items(unit, col, (current - 1) * perPage, perPage);
    const base = `${this.origin}${this.columnBase(unit, col)}`;
    if (opaque) return { rows: items.map((it) => ({ t: it.title, h: `${base}${it.path}`, d: it.date })), n: total };
    return {
      success: true,
      data: {
        total,
        current,
        pageSize: perPage,
        results: items.map((it) => ({
          source: { title: it.title, pubDate: Date.parse(`${it.date}T09:30:00+08:00`), urls: JSON.stringify({ pc: `${base}${it.path}` }), topStatus: 0, id: it.id },
        })),
      },
    };
  }

  // ---------------------------------------------------------------- pages

  private page(path: string): Served | null {
    const cached = this.cache.get(path);
    if (cached) return cached;
    const html = this.render(path);
    if (html === null) return null;
    const body = Buffer.from(html);
    const etag = `"${createHash('md5').update(body).digest('hex').slice(0, 16)}"`;
    let v = this.validators.get(path);
    if (!v) {
      v = { etag, lastModified: GENERATED };
      this.validators.set(path, v);
    } else if (v.etag !== etag) {
      // HTTP dates have whole seconds: a change must move Last-Modified by at least one.
      v = { etag, lastModified: Math.max(v.lastModified + 1000, Math.floor(Date.now() / 1000) * 1000) };
      this.validators.set(path, v);
    }
    const served = { body, etag, lastModified: new Date(v.lastModified).toUTCString() };
    // Articles are many and read rarely; caching them would only grow memory.
    if (!/\/t\d{8}_/.test(path)) this.cache.set(path, served);
    return served;
  }

  private render(path: string): string | null {
    if (path === '/index.html') return this.home();
    const hit = this.route(path);
    if (!hit?.unit) return null;
    const u = this.units.indexOf(hit.unit);
    if (hit.kind === 'index') return this.unitIndex(u);
    const col = this.columns[u]!.find((x) => `${hit.unit!.id}/${x.code}` === hit.column);
    if (!col) return null;
    if (hit.kind === 'list') {
      if (hit.page! >= this.pageCount(col) && hit.unit.style === 'static') return null;
      return hit.unit.style === 'static' ? this.staticList(u, col, hit.page!) : hit.page === 0 ? this.scriptList(u, col) : null;
    }
    const m = /t(\d{8})_(\d+)\.html$/.exec(path)!;
    return this.article(u, col, Number(m[2]), m[1]!);
  }

  private pageCount(col: Column): number {
    return Math.max(1, Math.ceil((col.base + col.extra) / this.opts.itemsPerPage));
  }

  private unitBase(unit: PortalUnit): string {
    return `/xxgk/${unit.id}/`;
  }

  private columnBase(unit: PortalUnit, col: Column): string {
    return unit.style === 'static' ? `/xxgk/${unit.id}/${col.code}/` : `/xxgk/${unit.id}/col/${col.code}/`;
  }

  private listPath(unit: PortalUnit, col: Column, page: number): string {
    return `${this.columnBase(unit, col)}${page === 0 ? 'index.html' : `index_${page}.html`}`;
  }

  /** Items newest first, from position `from`. */
  private items(unit: PortalUnit, col: Column, from: number, count: number): { id: number; title: string; date: string; path: string }[] {
    const total = col.base + col.extra;
    const out = [];
    for (let pos = from; pos < Math.min(total, from + count); pos++) {
      const ordinal = total - 1 - pos;
      const time = ordinal < col.base ? col.newest - (col.base - 1 - ordinal) * col.stepDays * DAY : col.newest + (ordinal - col.base + 1) * DAY;
      const date = new Date(time).toISOString().slice(0, 10);
      const ymd = date.replaceAll('-', '');
      const id = (col.unit * 100 + col.index) * 1000 + ordinal + 100000;
      const rnd = rng(id);
      const topic = TOPICS[Math.floor(rnd() * TOPICS.length)]!;
      const form = TITLE_FORMS[Math.floor(rnd() * TITLE_FORMS.length)]!;
      const title = col.name === '年度报告'
        ? `${unit.name}${Number(date.slice(0, 4)) - 1}年政府信息公开工作年度报告`
        : form(unit.name, topic, Number(date.slice(0, 4)), Number(date.slice(5, 7)));
      out.push({ id, title, date, path: `${ymd.slice(0, 6)}/t${ymd}_${id}.html` });
    }
    return out;
  }

  private head(title: string, extra = ''): string {
    return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${title}</title>
<meta name="SiteName" content="${SITE}">
<meta name="SiteDomain" content="www.yifeng.gov.cn">
<meta name="SiteIDCode" content="3609240001">
<meta name="HtmlGenerateTime" content="2021-01-19 23:10:05">
<link rel="stylesheet" type="text/css" href="/images/common.css">
<link rel="stylesheet" type="text/css" href="/images/xxgk.css">
<script src="/commonfiles/jquery.min.js"></script>
${extra}
</head>
<body>
<div class="top-bar"><div class="w1200"><span class="welcome">欢迎访问${SITE}门户网站！今天是<span id="today"></span></span>
<ul class="top-links"><li><a href="/wza/">无障碍浏览</a></li><li><a href="/zzlnb/">长者模式</a></li><li><a href="/rss/">RSS订阅</a></li><li><a href="http://m.yifeng.gov.cn/">手机版</a></li><li><a href="/login/">用户登录</a></li></ul></div></div>
<div class="header"><div class="w1200"><a class="logo" href="/"><img src="/images/logo.png" alt="${SITE}"></a>
<form class="search" action="/search/" method="get"><input type="text" name="q" placeholder="请输入关键字"><input type="hidden" name="siteCode" value="3609240001"><button type="submit">搜索</button></form></div></div>
${this.nav()}`;
  }

  private nav(): string {
    const sections = ['首页', '走进宜丰', '要闻动态', '政务公开', '政务服务', '互动交流', '专题专栏', '数据开放'];
    const sub = ['领导之窗', '政策文件', '政策解读', '规划计划', '财政信息', '人事信息', '重点领域', '建议提案', '政府公报', '统计数据', '新闻发布会', '依申请公开'];
    const top = sections.map((s, i) => `<li class="nav-item${i === 3 ? ' on' : ''}"><a href="/${i === 0 ? '' : `s${i}/`}">${s}</a></li>`).join('');
    const drop = sub.map((s, i) => `<li><a href="/zwgk/s${i + 1}/index.html" title="${s}">${s}</a></li>`).join('');
    const others = this.units.slice(0, 12).map((u) => `<li><a href="${this.unitBase(u)}index.html">${u.name}</a></li>`).join('');
    return `<div class="nav"><div class="w1200"><ul class="nav-list">${top}</ul>
<div class="nav-drop"><ul>${drop}</ul><h4>部门和乡镇信息公开</h4><ul class="unit-links">${others}</ul></div></div></div>`;
  }

  private footer(): string {
    const friends = ['中国政府网|http://www.gov.cn/', '江西省人民政府|http://www.jiangxi.gov.cn/', '宜春市人民政府|http://www.yichun.gov.cn/',
      '江西政务服务网|http://www.jxzwfww.gov.cn/', '宜春市政务服务网|http://ycs.jxzwfww.gov.cn/', '奉新县人民政府|http://www.fengxin.gov.cn/',
      '靖安县人民政府|http://www.jingan.gov.cn/', '万载县人民政府|http://www.wanzai.gov.cn/', '上高县人民政府|http://www.shanggao.gov.cn/',
      '铜鼓县人民政府|http://www.tonggu.gov.cn/', '高安市人民政府|http://www.gaoan.gov.cn/', '樟树市人民政府|http://www.zhangshu.gov.cn/',
      '丰城市人民政府|http://www.jxfc.gov.cn/', '袁州区人民政府|http://www.yzq.gov.cn/', '宜阳新区|http://www.yyxq.gov.cn/'];
    const links = friends.map((f) => { const [n, h] = f.split('|'); return `<option value="${h}">${n}</option>`; }).join('');
    return `<div class="friend-links"><div class="w1200"><span>友情链接：</span>
<select onchange="if(this.value)window.open(this.value)"><option value="">——国家部委网站——</option>${links}</select>
<select onchange="if(this.value)window.open(this.value)"><option value="">——省市县政府网站——</option>${links}</select></div></div>
<div class="footer"><div class="w1200">
<p><a href="/about/">关于我们</a> | <a href="/sitemap/">网站地图</a> | <a href="/contact/">联系我们</a> | <a href="/privacy/">隐私声明</a> | <a href="/help/">使用帮助</a></p>
<p>主办单位：宜丰县人民政府办公室　承办单位：宜丰县数据管理局　联系电话：0795-2755000</p>
<p>地址：江西省宜春市宜丰县新昌镇城南大道1号　邮编：336300</p>
<p><a href="https://beian.miit.gov.cn/" target="_blank">赣ICP备05004213号</a>　<a href="http://www.beian.gov.cn/">赣公网安备 36092402000101号</a>　网站标识码：3609240001</p>
<p>建议使用1366×768分辨率，IE10以上版本浏览器浏览本站</p>
<div class="jiucuo"><a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=3609240001" target="_blank"><img src="/images/jiucuo.png" alt="政府网站找错"></a>
<a href="http://bszs.conac.cn/sitename?method=show&amp;id=0A12B3C4" target="_blank"><img src="/images/dzjg.png" alt="党政机关"></a></div>
</div></div>
<script>
(function(){var d=new Date(),w=['日','一','二','三','四','五','六'];var el=document.getElementById('today');if(el){el.innerHTML=d.getFullYear()+'年'+(d.getMonth()+1)+'月'+d.getDate()+'日 星期'+w[d.getDay()];}
if(/AppleWebKit.*Mobile/i.test(navigator.userAgent)&&location.search.indexOf('pc=1')<0){/* 移动端自动跳转已关闭 */}})();
</script>
<!-- 网站访问统计 -->
<script>var _hmt=_hmt||[];</script>
${this.chromePad}
</body>
</html>`;
  }

  /** Hidden mobile menu and share scripts, as real templates carry; sized so list pages reach the target. */
  private computePad(): string {
    const probe = this.units.findIndex((u) => u.style === 'static');
    if (probe < 0) return '';
    const col = this.biggestColumn(probe);
    const bytes = Buffer.byteLength(this.staticList(probe, col, 0));
    // Site-wide topics (专题), not the unit's columns: padding must not look like a second column tree.
    const budget = this.opts.targetPageBytes - bytes - 60;
    let menu = '';
    for (let i = 0; Buffer.byteLength(menu) < budget; i++) {
      menu += `<li><a href="/m/zt/${i + 1}/index.html">${TOPICS[i % TOPICS.length]}专题${i >= TOPICS.length ? `（${Math.floor(i / TOPICS.length) + 2020}）` : ''}</a></li>`;
    }
    return menu ? `<div class="m-menu" style="display:none"><ul>${menu}</ul></div>` : '';
  }

  private position(unit: PortalUnit, col?: Column): string {
    return `<div class="position w1200">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; <a href="${this.unitBase(unit)}index.html">${unit.name}</a>${col ? ` &gt; <span>${col.name}</span>` : ''}</div>`;
  }

  private tree(u: number, current?: Column): string {
    const unit = this.units[u]!;
    const lis = this.columns[u]!.map((col) => {
      const href = unit.style === 'static' ? `${this.columnBase(unit, col)}index.html` : `${this.columnBase(unit, col)}index.html`;
      return `<li${col === current ? ' class="on"' : ''}><span>·</span><a href="${href}" title="${col.name}">${col.name}</a></li>`;
    }).join('\n');
    return `<div class="xxgk-left"><h3 class="unit-name">${unit.name}</h3><div class="xxgk-tree"><h4>法定主动公开内容</h4><ul class="column-tree">\n${lis}\n</ul></div>
<div class="xxgk-links"><a href="/xxgk/ysqgk/">依申请公开</a><a href="/xxgk/nb/">政府信息公开年报</a><a href="/xxgk/zn/">政府信息公开指南</a></div></div>`;
  }

  private home(): string {
    const list = this.units.map((u) => `<li><a href="${this.unitBase(u)}index.html">${u.name}</a></li>`).join('');
    return `${this.head(`政府信息公开 - ${SITE}`)}<div class="main w1200"><ul class="unit-list">${list}</ul></div>${this.footer()}`;
  }

  private unitIndex(u: number): string {
    const unit = this.units[u]!;
    const cols = this.columns[u]!;
    const blocks = cols.slice(0, 6).map((col) => {
      const lis = this.items(unit, col, 0, 5).map((it) => `<li><a href="${this.columnBase(unit, col)}${it.path}" title="${it.title}">${it.title}</a><span>${it.date}</span></li>`).join('');
      return `<div class="index-block"><div class="block-title"><h3>${col.name}</h3><a class="more" href="${this.columnBase(unit, col)}index.html">更多&gt;&gt;</a></div><ul>${lis}</ul></div>`;
    }).join('\n');
    return `${this.head(`${unit.name} - 政府信息公开 - ${SITE}`)}${this.position(unit)}
<div class="main w1200">${this.tree(u)}<div class="xxgk-right">${blocks}</div></div>${this.footer()}`;
  }

  private staticList(u: number, col: Column, page: number): string {
    const unit = this.units[u]!;
    const ipp = this.opts.itemsPerPage;
    const total = col.base + col.extra;
    const pages = this.pageCount(col);
    const lis = this.items(unit, col, page * ipp, ipp)
      .map((it) => `<li><a href="./${it.path}" target="_blank" title="${it.title}">${it.title}</a><span class="date">${it.date}</span></li>`)
      .join('\n');
    const link = (p: number, text: string) => `<a href="${p === 0 ? 'index.html' : `index_${p}.html`}">${text}</a>`;
    const pager = [
      `<span>共${total}条 第${page + 1}/${pages}页</span>`,
      page > 0 ? link(0, '首页') : '<span>首页</span>',
      page > 0 ? link(page - 1, '上一页') : '<span>上一页</span>',
      page + 1 < pages ? link(page + 1, '下一页') : '<span>下一页</span>',
      page + 1 < pages ? link(pages - 1, '尾页') : '<span>尾页</span>',
    ].join(' ');
    return `${this.head(`${col.name} - ${unit.name} - ${SITE}`, `<meta name="ColumnName" content="${col.name}">`)}${this.position(unit, col)}
<div class="main w1200">${this.tree(u, col)}<div class="xxgk-right"><div class="list-title"><h2>${col.name}</h2></div>
<ul class="xxgk-list">
${lis}
</ul>
<div class="pager">${pager}</div></div></div>${this.footer()}`;
  }

  /** Jiangxi 集约化 list (loadPageData + Handlebars template) or an opaque script-built list. */
  private scriptList(u: number, col: Column): string {
    const unit = this.units[u]!;
    const ipp = this.opts.itemsPerPage;
    const container = unit.style === 'jiyue'
      ? `<div id="${unit.id}"></div>
<script id="div${unit.id}" type="text/x-handlebars-template">
<ul class='List_list'>{{#each data}}{{#with this}}<li><a href='{{pcUrl}}' target='_blank' title='{{title}}'>{{title}}</a><span class='list_span'>{{formatDate pubDate 'YYYY'}}-{{formatDate pubDate 'MM'}}-{{formatDate pubDate 'DD'}}</span></li>{{/with}}{{/each}}</ul>
</script>
<link rel="stylesheet" type="text/css" href="/commonfiles/jpage/theme/lucidity/css/jpage.css">
<script src="/commonfiles/jquery.jpage.js"></script>
<script src="/commonfiles/utils.js"></script>
<script>
var params = {
  current: 1,
  unitid: '${unit.id}',
  webSiteCode: ['yfxzf'],
  channelCode: ['${col.code}'],
  dataBefore: '',
  dataAfter: '',
  perPage: '${ipp}',
  notReturnContent: false,
  showMode: 'normal',
  groupSize: 1,
  barPosition: 'bottom',
  titleMax: '34',
  templateContainerId: 'div${unit.id}',
  themeName: 'lucidity',
};
loadPageData(params, '${unit.id}');
</script>`
      : `<ul id="list-${col.code}" class="xxgk-list"></ul><div id="pager-${col.code}"></div>
<script src="/commonfiles/render.js"></script>
<script>
(function(){var k=['${col.code.split('').reverse().join('')}'].join('').split('').reverse().join('');renderList(k,'${unit.id}',${ipp},'list-${col.code}','pager-${col.code}');})();
</script>`;
    return `${this.head(`${col.name} - ${unit.name} - ${SITE}`, `<meta name="ColumnName" content="${col.name}"><base href="/xxgk/${unit.id}/">`)}${this.position(unit, col)}
<div class="main w1200">${this.tree(u, col)}<div class="xxgk-right"><div class="list-title"><h2>${col.name}</h2></div>
${container}
</div></div>${this.footer()}`;
  }

  private article(u: number, col: Column, id: number, ymd: string): string {
    const unit = this.units[u]!;
    const date = `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`;
    const total = col.base + col.extra;
    const ordinal = id - 100000 - (col.unit * 100 + col.index) * 1000;
    const item = this.items(unit, col, total - 1 - ordinal, 1)[0];
    const title = item?.title ?? `${unit.name}信息`;
    const para = `为深入贯彻落实党中央、国务院和省委、省政府决策部署，按照县委、县政府工作要求，结合我${unit.type === 'department' ? '单位' : '镇'}实际，现就有关事项通知如下。`;
    const body = Array.from({ length: 8 }, (_, i) => `<p>${i === 0 ? para : `${'一二三四五六七八'[i]}、${TOPICS[(id + i) % TOPICS.length]}方面，要切实加强组织领导，明确责任分工，确保各项工作落到实处，取得实效。`}</p>`).join('\n') + this.originalLink(u, col, ordinal);
    return `${this.head(`${title} - ${SITE}`, `<meta name="ArticleTitle" content="${title}"><meta name="PubDate" content="${date} 09:30">`)}${this.position(unit, col)}
<div class="main w1200"><div class="article"><h1>${title}</h1>
<div class="article-info"><span>发布时间：${date} 09:30</span><span>信息来源：${unit.name}</span><span>浏览次数：<em id="hits">128</em></span></div>
<div class="TRS_Editor">
${body}
<p style="text-align:right">${unit.name}</p><p style="text-align:right">${date.slice(0, 4)}年${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日</p>
</div></div></div>${this.footer()}`;
  }

  /** A 政策解读 links to the policy it explains (a 政策文件 item of the same unit), as interpretations must. */
  private originalLink(u: number, col: Column, ordinal: number): string {
    const policies = this.columns[u]!.find((c) => c.name === '政策文件');
    if (col.name !== '政策解读' || !policies) return '';
    const unit = this.units[u]!;
    const total = policies.base + policies.extra;
    const it = this.items(unit, policies, (total - 1 - (ordinal % total)), 1)[0]!;
    return `\n<p>原文链接：<a href="${this.columnBase(unit, policies)}${it.path}" target="_blank">《${it.title}》</a></p>`;
  }

  private asset(path: string): Buffer | null {
    if (path === '/commonfiles/utils.js') return Buffer.from(UTILS_JS);
    if (path === '/commonfiles/render.js') return Buffer.from(RENDER_JS);
    if (path.endsWith('.js')) return Buffer.from('/* vendor script */\n');
    if (path.endsWith('.css')) return Buffer.from('body{font-family:"Microsoft YaHei",sans-serif}\n');
    return Buffer.alloc(0);
  }
}

/**
 * What the platform's utils.js does in a browser: fetch the column's page of
 * data and render it into the container. Marked with `x-bench-js` so the
 * server can count browser reads.
 */
const UTILS_JS = `
function loadPageData(params, id) {
  var body = 'current=' + params.current + '&pageSize=' + params.perPage + '&webSiteCode%5B%5D=' + params.webSiteCode[0] +
    '&channelCode%5B%5D=' + params.channelCode[0] + '&sort=sortNum&order=desc';
  fetch('/queryList', { method: 'POST', body: body, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-bench-js': '1' } })
    .then(function (r) { return r.json(); }).then(function (res) {
      var html = '<ul class="List_list">' + res.data.results.map(function (r) {
        var d = r.source, day = new Date(d.pubDate + 8 * 3600000).toISOString().slice(0, 10);
        return '<li><a href="' + JSON.parse(d.urls).pc + '" target="_blank" title="' + d.title + '">' + d.title + '</a><span class="list_span">' + day + '</span></li>';
      }).join('') + '</ul>';
      var pager = '<div class="jp-pager">', pages = Math.ceil(res.data.total / params.perPage);
      for (var p = 1; p <= pages; p++) pager += '<a href="javascript:;" data-page="' + p + '">' + p + '</a>';
      document.getElementById(id).innerHTML = html + pager + '</div>';
    });
}
`;

const RENDER_JS = `
function renderList(k, u, n, listId, pagerId) {
  fetch('/api/opaque?k=' + k + '&u=' + u + '&n=' + n + '&p=1', { headers: { 'x-bench-js': '1' } }).then(function (r) { return r.json(); }).then(function (res) {
    document.getElementById(listId).innerHTML = res.rows.map(function (d) {
      return '<li><a href="' + d.h + '" title="' + d.t + '">' + d.t + '</a><span class="date">' + d.d + '</span></li>';
    }).join('');
  });
}
`;

interface Served {
  body: Buffer;
  etag: string;
  lastModified: string;
}

/** Time the synthetic site was generated (Last-Modified of every page until it changes). */
const GENERATED = Date.UTC(2021, 0, 19, 15, 10, 5);

function emptyCounters(): PortalCounters {
  return {
    total: 0,
    byKind: { robots: 0, home: 0, index: 0, list: 0, endpoint: 0, article: 0, asset: 0, other: 0 },
    browser: 0,
    notModified: 0,
    byColumn: new Map(),
    bytes: 0,
  };
}

function columnCounter(c: PortalCounters, key: string): ColumnCounter {
  let counter = c.byColumn.get(key);
  if (!counter) {
    counter = { requests: 0, endpointPages: new Set(), browserPages: new Set() };
    c.byColumn.set(key, counter);
  }
  return counter;
}

function townNameList(): string[] {
  const s = [...TOWN_SYLLABLES];
  const names: string[] = [];
  for (let i = 0; i < s.length; i++) {
    for (let j = 0; j < s.length; j++) {
      if (i !== j) names.push(`${s[i]}${s[(i * 7 + j * 3) % s.length]}${(i + j) % 3 === 0 ? '乡' : '镇'}`);
    }
  }
  return [...new Set(names)];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
