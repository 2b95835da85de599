// The reference crawler: Crawlee's CheerioCrawler doing the same crawl as
// zwgk (unit index → column links → 下一页 pagination, every list item
// parsed), in its own process so its CPU and peak RSS are its own.
// Plain JS: crawlee lives only in bench/node_modules, outside the typecheck.
import { CheerioCrawler, Configuration, log } from '@crawlee/cheerio';
import { peakRssBytes } from './proc.mjs';

const { units, concurrency } = JSON.parse(process.argv[2]);
log.setLevel(log.LEVELS.WARNING);

// In-memory storage: no request-queue files on disk, the fastest Crawlee setup.
const config = new Configuration({ persistStorage: false, purgeOnStart: true });
const items = [];
let pages = 0;
let failed = 0;

const crawler = new CheerioCrawler(
  {
    minConcurrency: concurrency,
    maxConcurrency: concurrency,
    maxRequestRetries: 2,
    respectRobotsTxtFile: true,
    async requestHandler({ request, $, enqueueLinks }) {
      pages++;
      const base = request.loadedUrl ?? request.url;
      if (request.label === 'LIST') {
        $('ul.xxgk-list > li').each((_, li) => {
          const a = $(li).find('a').first();
          const href = a.attr('href');
          if (!href) return;
          const date = /\d{4}-\d{2}-\d{2}/.exec($(li).find('span').text());
          items.push({ title: (a.attr('title') ?? a.text()).trim(), url: new URL(href, base).href, date: date ? date[0] : null });
        });
        const next = $('.pager a').filter((_, a) => $(a).text().trim() === '下一页').attr('href');
        if (next) await enqueueLinks({ urls: [new URL(next, base).href], label: 'LIST' });
      } else {
        await enqueueLinks({ selector: 'ul.column-tree a', label: 'LIST' });
      }
    },
    failedRequestHandler() {
      failed++;
    },
  },
  config,
);

const cpu0 = process.cpuUsage();
const t0 = performance.now();
await crawler.run(units.map((u) => ({ url: u.url, label: 'INDEX' })));
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const result = {
  crawler: 'crawlee',
  wallMs,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  peakRssBytes: peakRssBytes(),
  pages,
  items: items.length,
  failed,
};
process.send ? process.send(result) : console.log(JSON.stringify(result));
process.exit(0);
