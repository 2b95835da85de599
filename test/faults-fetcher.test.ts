import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fetcher } from '../src/crawl/fetcher.ts';
import { NetworkPolicy } from '../src/net/policy.ts';
import { startFaultyPortal, type FaultyPortal } from '../fixtures/faulty/portal.ts';
import { FAULTY_TRUTH } from '../fixtures/faulty/units.ts';

/**
 * Every fault of the faulty portal, one request each, at the HTTP layer: the
 * fetcher must name the failure (kind + Chinese reason) and stay within its
 * bounds (time, bytes, redirects, retries). The audit-level consequences are
 * in faults-audit.test.ts.
 */
const OPTS = { timeoutMs: 800, tries: 2, backoffMs: 20, maxRetryAfterMs: 300, maxBytes: 1024 * 1024, maxRedirects: 5 };

let portal: FaultyPortal;
let fetcher: Fetcher;
const url = (path: string) => portal.baseUrl + path;
const hitsUnder = (prefix: string) => [...portal.hits].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);

beforeAll(async () => {
  portal = await startFaultyPortal();
  fetcher = new Fetcher({ policy: new NetworkPolicy({ unitHosts: [new URL(portal.baseUrl).host], minIntervalMs: 0 }), ...OPTS });
});
afterAll(async () => {
  await fetcher?.close();
  await portal?.close();
});

describe('each planted fault is named, never passed off as a page', () => {
  const failing = FAULTY_TRUTH.filter((t) => t.outcome.failed && !t.outcome.read);
  it.each(failing.map((t) => [`${t.unit} ${t.column ?? '首页'} ${t.fault}`, t] as const))('%s', async (_name, t) => {
    const out = await fetcher.fetch(url(t.path));
    expect(out.ok, `${t.path} should fail`).toBe(false);
    if (out.ok) return;
    expect(t.outcome.failed).toContain(out.failure.kind);
    expect(out.failure.reason).toMatch(/[\u4e00-\u9fff]/);
    expect(out.failure.reason).not.toContain('\n');
  });

  const readable = FAULTY_TRUTH.filter((t) => t.outcome.read && !t.outcome.failed);
  it.each(readable.map((t) => [`${t.unit} ${t.column} ${t.fault}`, t] as const))('%s is read', async (_name, t) => {
    const out = await fetcher.fetch(url(t.path));
    expect(out.ok ? out.page.status : out.failure).toBe(200);
  });
});

describe('bounds', () => {
  it('a page that never answers costs at most tries × timeout', async () => {
    const t0 = Date.now();
    const out = await fetcher.fetch(url('/xxgk/tmo/tzgg/index.html'));
    const elapsed = Date.now() - t0;
    expect(out.ok).toBe(false);
    expect(elapsed).toBeLessThan(OPTS.tries * OPTS.timeoutMs + 1000);
  });

  it('a huge page is cut at the size cap: the server gets to send only a fraction of it', async () => {
    const out = await fetcher.fetch(url('/xxgk/big/tzgg/index.html'));
    expect(out.ok ? 'read' : out.failure.kind).toBe('too-large');
    // Let the server notice the closed socket, then count what it managed to write.
    await new Promise((r) => setTimeout(r, 300));
    const sent = portal.bytesSent.get('/xxgk/big/tzgg/index.html') ?? 0;
    expect(sent).toBeGreaterThan(OPTS.maxBytes);
    expect(sent).toBeLessThan(16 * 1024 * 1024); // of 64 MiB: the rest was never asked for
  });

  it('a redirect chain stops after maxRedirects hops', async () => {
    const before = hitsUnder('/xxgk/loop/zcwj/');
    const out = await fetcher.fetch(url('/xxgk/loop/zcwj/index.html'));
    expect(out.ok ? 'read' : out.failure.kind).toBe('redirect-loop');
    expect(hitsUnder('/xxgk/loop/zcwj/') - before).toBeLessThanOrEqual(OPTS.maxRedirects + 1);
  });

  it('a redirect loop is seen as a loop after a couple of hops', async () => {
    const before = hitsUnder('/xxgk/loop/tzgg/');
    const out = await fetcher.fetch(url('/xxgk/loop/tzgg/index.html'));
    expect(out.ok ? 'read' : out.failure.kind).toBe('redirect-loop');
    expect(hitsUnder('/xxgk/loop/tzgg/') - before).toBeLessThanOrEqual(4);
  });

  it('one ordinary redirect is followed', async () => {
    const out = await fetcher.fetch(url('/xxgk/loop/ghjh/index.html'));
    expect(out.ok && out.page.finalUrl).toBe(url('/xxgk/loop/ghjh/list.html'));
  });

  it('Retry-After of a day is capped, not obeyed', async () => {
    const t0 = Date.now();
    const out = await fetcher.fetch(url('/xxgk/e5/ldxx/index.html'));
    expect(out.ok ? 200 : out.failure.status).toBe(503);
    expect(Date.now() - t0).toBeLessThan(OPTS.maxRetryAfterMs + 1500);
  });

  it('a 503 forever is tried exactly `tries` times, then reported with its status', async () => {
    const before = portal.hits.get('/xxgk/down/index.html') ?? 0;
    const out = await fetcher.fetch(url('/xxgk/down/index.html'));
    expect(out.ok).toBe(false);
    if (!out.ok) expect([out.failure.kind, out.failure.status, out.failure.attempts]).toEqual(['http-error', 503, OPTS.tries]);
    expect((portal.hits.get('/xxgk/down/index.html') ?? 0) - before).toBe(OPTS.tries);
  });

  it('a 429 that clears after Retry-After is read on the retry', async () => {
    const out = await fetcher.fetch(url('/xxgk/e5/bmwj/index.html'));
    expect(out.ok && out.page.attempts).toBeGreaterThanOrEqual(2);
  });

  it('a column robots.txt disallows is never requested', async () => {
    const out = await fetcher.fetch(url('/xxgk/rob/tzgg/index.html'));
    expect(out.ok ? 'read' : out.failure.kind).toBe('robots');
    expect(portal.hits.get('/xxgk/rob/tzgg/index.html')).toBeUndefined();
  });

  it('a truncated body is a failure, not the short page it would look like', async () => {
    const out = await fetcher.fetch(url('/xxgk/rst/zcwj/index.html'));
    expect(out.ok).toBe(false);
  });
});
