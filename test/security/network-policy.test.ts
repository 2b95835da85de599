import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fetcher } from '../../src/crawl/fetcher.ts';
import { classifyAddress, type AddressClass } from '../../src/net/address.ts';
import { startFilterProxy, type FilterProxy } from '../../src/net/filter-proxy.ts';
import { parseHostSpec } from '../../src/net/hosts.ts';
import { ForbiddenTargetError, NetworkPolicy, type Resolver } from '../../src/net/policy.ts';
import { startSentinel, type Sentinel } from '../../fixtures/hostile/lures.ts';
import { SELF_SIGNED } from '../../fixtures/hostile/self-signed.ts';

/**
 * The one network policy (src/net/policy.ts): the address classifier, host
 * entries, the decisions on an address and on a resolved IP, the fetcher's
 * link checks and redirect hops, and the browser's filtering proxy — each
 * against a sentinel server on loopback that must receive nothing.
 */

describe('address classifier', () => {
  const cases: [string, AddressClass][] = [
    ['8.8.8.8', 'public'],
    ['114.114.114.114', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2400:3200::1', 'public'],
    ['2001:db8::1', 'reserved'],
    // IPv4 inside IPv6: mapped, compatible, NAT64, 6to4 — judged by the IPv4.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:c0a8:0101::1', 'private'],
    ['2002:0808:0808::1', 'public'],
    ['not-an-ip', 'invalid'],
    ['1.2.3', 'invalid'],
  ];
  it.each(cases)('%s → %s', (address, cls) => expect(classifyAddress(address)).toBe(cls));
});

describe('host entries (--allow-host, the units file)', () => {
  it('host, host:port and [v6]:port; no port means 80 and 443', () => {
    expect(parseHostSpec('www.jiangxi.gov.cn')).toEqual({ hostname: 'www.jiangxi.gov.cn', port: null });
    expect(parseHostSpec('WWW.Jiangxi.gov.cn:8080')).toEqual({ hostname: 'www.jiangxi.gov.cn', port: 8080 });
    expect(parseHostSpec('[::1]:9000')).toEqual({ hostname: '::1', port: 9000 });
    const p = new NetworkPolicy({ unitHosts: [], allowHosts: ['10.0.0.5', '10.0.0.6:8080'] });
    expect(p.check(new URL('http://10.0.0.5/a'), 'link').ok).toBe(true);
    expect(p.check(new URL('https://10.0.0.5/a'), 'link').ok).toBe(true);
    expect(p.check(new URL('http://10.0.0.5:8081/a'), 'link').ok).toBe(false);
    expect(p.check(new URL('http://10.0.0.6:8080/a'), 'link').ok).toBe(true);
    expect(p.check(new URL('http://10.0.0.6/a'), 'link').ok).toBe(false);
  });

  it('anything else is one Chinese line', () => {
    for (const bad of ['http://x.gov.cn/', 'x.gov.cn/path', 'user@x.gov.cn', '', 'a b']) expect(() => parseHostSpec(bad), bad).toThrow(/站点.*无效/);
  });
});

describe('decisions on an address (before a request and on every redirect hop)', () => {
  const policy = new NetworkPolicy({ unitHosts: ['127.0.0.1:8000', 'portal.example'], allowHosts: ['127.0.0.2:9000'] });
  const check = (url: string, purpose: 'page' | 'link' = 'link') => policy.check(new URL(url), purpose);

  it('pages only on the units file hosts, whatever the address', () => {
    expect(check('http://127.0.0.1:8000/x', 'page').ok).toBe(true);
    expect(check('https://portal.example/x', 'page').ok).toBe(true);
    expect(check('http://127.0.0.1:8001/x', 'page')).toMatchObject({ ok: false, kind: 'off-host' });
    // Allowed hosts are for link checks only, never crawled.
    expect(check('http://127.0.0.2:9000/x', 'page')).toMatchObject({ ok: false, kind: 'off-host' });
    expect(check('file:///etc/passwd', 'page').ok).toBe(false);
  });

  it('links: the units file and allowed hosts, whatever the address; names wait for their address', () => {
    expect(check('http://127.0.0.1:8000/x').ok).toBe(true);
    expect(check('http://127.0.0.2:9000/x').ok).toBe(true);
    expect(check('http://www.jiangxi.gov.cn/x').ok).toBe(true);
  });

  it.each([
    'http://127.0.0.1:8001/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://100.64.0.1/',
    'http://[::1]:8000/',
    'http://[::ffff:127.0.0.1]:8000/',
    'http://[fd00::1]/',
    'http://2130706433:8001/',
    'http://0x7f.1:8001/',
    'http://017700000001:8001/',
    'http://localhost:8000/',
    'http://LOCALHOST./',
    'http://admin.localhost/',
  ])('link to %s: forbidden, with a Chinese reason naming the host', (url) => {
    const v = check(url);
    expect(v).toMatchObject({ ok: false, kind: 'forbidden' });
    if (!v.ok) expect(v.reason).toMatch(/是.*地址.*按网络访问规则未访问/);
  });

  it("the service's own listen address is forbidden on its port only", () => {
    const p = new NetworkPolicy({ unitHosts: [], ownAddresses: [{ host: '203.0.114.7', port: 8080 }] });
    expect(p.check(new URL('http://203.0.114.7:8080/api/units'), 'link')).toMatchObject({ ok: false, kind: 'forbidden' });
    expect(p.check(new URL('http://203.0.114.7:8081/'), 'link').ok).toBe(true);
  });
});

describe('decisions on the resolved address (connect time)', () => {
  const names: Record<string, string[]> = {
    'intranet.example': ['127.0.0.1'],
    'meta.example': ['169.254.169.254'],
    'mixed.example': ['203.0.114.9', '10.0.0.9'],
    'public.example': ['203.0.114.9'],
    'portal.example': ['10.20.30.40'],
    'dashboard.example': ['203.0.114.7'],
  };
  const resolve: Resolver = async (host) => (names[host] ?? []).map((address) => ({ address, family: 4 }));
  const policy = new NetworkPolicy({ unitHosts: ['portal.example'], ownAddresses: [{ host: '203.0.114.7', port: 8443 }], resolve });

  it('a name that resolves to loopback, link-local or private is refused; one bad address among good ones is enough', async () => {
    for (const host of ['intranet.example', 'meta.example', 'mixed.example']) {
      await expect(policy.address(host, 80), host).rejects.toBeInstanceOf(ForbiddenTargetError);
    }
    await expect(policy.address('intranet.example', 80)).rejects.toThrow(/intranet\.example 解析为本机地址/);
  });

  it('a public name gives the address to connect to; a units-file host may be private', async () => {
    expect(await policy.address('public.example', 443)).toBe('203.0.114.9');
    expect(await policy.address('portal.example', 80)).toBe('10.20.30.40');
  });

  it("a name resolving to the service's own address is refused on the service's port only", async () => {
    await expect(policy.address('dashboard.example', 8443)).rejects.toThrow(/本服务自身的地址/);
    expect(await policy.address('dashboard.example', 443)).toBe('203.0.114.7');
  });
});

let sentinel: Sentinel;
let portal: Server;
let portalHost: string;

beforeAll(async () => {
  sentinel = await startSentinel();
  portal = createServer((req, res) => {
    const hop = /^\/hop\?to=(.*)$/.exec(req.url ?? '');
    if (hop) return void res.writeHead(302, { location: decodeURIComponent(hop[1]!) }).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<title>门户页面</title><p>${req.headers.host}</p>`);
  });
  await new Promise<void>((r) => portal.listen(0, '127.0.0.1', r));
  portalHost = `127.0.0.1:${(portal.address() as { port: number }).port}`;
});

afterAll(async () => {
  portal.closeAllConnections();
  await new Promise<void>((r) => portal.close(() => r()));
  await sentinel.close();
});

describe('the fetcher: link checks and redirect hops never reach the sentinel', () => {
  const fetcherWith = (resolve?: Resolver, allowHosts: string[] = []) =>
    new Fetcher({ policy: new NetworkPolicy({ unitHosts: [portalHost], allowHosts, minIntervalMs: 0, ...(resolve && { resolve }) }), timeoutMs: 2000, tries: 1 });

  it('links to the sentinel by address, by localhost, by a mapped or decimal form, or by a name resolving to it: forbidden, not requested', async () => {
    const port = new URL(sentinel.url).port;
    const resolve: Resolver = async (host) => (host === 'intranet.example' ? [{ address: '127.0.0.1', family: 4 }] : []);
    const f = fetcherWith(resolve);
    for (const url of [
      `${sentinel.url}/a`,
      `http://localhost:${port}/b`,
      `http://[::ffff:127.0.0.1]:${port}/c`,
      `http://2130706433:${port}/d`,
      // Passes the address check (a name), refused at connect time on the address it resolves to.
      `http://intranet.example:${port}/e`,
    ]) {
      const check = await f.checkLink(url);
      expect(check, url).toMatchObject({ ok: false, status: null, kind: 'forbidden' });
      expect(check.error, url).toMatch(/按网络访问规则未访问/);
    }
    await f.close();
    expect(sentinel.untouched(), JSON.stringify(sentinel.requests)).toBe(true);
  });

  it('a redirect hop towards the sentinel is checked like the first address: not followed (link check, crawl)', async () => {
    const f = fetcherWith();
    const hop = `http://${portalHost}/hop?to=${encodeURIComponent(`${sentinel.url}/hop`)}`;
    expect(await f.checkLink(hop)).toMatchObject({ ok: false, status: 302, kind: 'forbidden' });
    const page = await f.fetch(hop);
    expect(!page.ok && page.failure.kind).toBe('off-host');
    await f.close();
    expect(sentinel.untouched()).toBe(true);
  });

  it('a certificate no authority signed is refused unless the operator says otherwise (--ignore-https-errors)', async () => {
    const tls = createHttpsServer(SELF_SIGNED, (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<title>加密页面</title>${'<p>正文。</p>'.repeat(60)}`));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(tls.address() as { port: number }).port}`;
    const fetch = async (ignoreHttpsErrors: boolean) => {
      const f = new Fetcher({ policy: new NetworkPolicy({ unitHosts: [host], minIntervalMs: 0, ignoreHttpsErrors }), timeoutMs: 2000, tries: 1, respectRobots: false });
      const out = await f.fetch(`https://${host}/`);
      await f.close();
      return out;
    };
    try {
      const strict = await fetch(false);
      expect(!strict.ok && strict.failure.kind).toBe('network');
      expect((await fetch(true)).ok).toBe(true);
    } finally {
      tls.closeAllConnections();
      await new Promise<void>((r) => tls.close(() => r()));
    }
  });

  it('an allowed host is checked whatever its address; the connector goes to the address the policy resolved', async () => {
    // `portal.test` exists only in the injected resolver: the request can only have gone through it.
    const resolve: Resolver = async (host) => (host === 'portal.test' ? [{ address: '127.0.0.1', family: 4 }] : []);
    const port = portalHost.split(':')[1];
    const f = fetcherWith(resolve, [`portal.test:${port}`]);
    expect(await f.checkLink(`http://portal.test:${port}/x.html`)).toMatchObject({ ok: true, status: 200, title: '门户页面' });
    await f.close();
  });
});

/** A raw HTTP/1.1 exchange with the proxy: what it answers first (status line and headers). */
function rawExchange(proxy: FilterProxy, request: string): Promise<string> {
  const { port } = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

describe('the filtering proxy the browser goes through', () => {
  let proxy: FilterProxy;
  beforeAll(async () => {
    proxy = await startFilterProxy(new NetworkPolicy({ unitHosts: [portalHost], minIntervalMs: 0 }));
  });
  afterAll(() => proxy.close());

  it('forwards plain http to a units-file host, with its Host header', async () => {
    const answer = await rawExchange(proxy, `GET http://${portalHost}/page HTTP/1.1\r\nHost: ${portalHost}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
  });

  it('refuses plain http, CONNECT and WebSocket upgrades to the sentinel, and origin-form requests: nothing reaches it', async () => {
    expect(await rawExchange(proxy, `GET ${sentinel.url}/p HTTP/1.1\r\nHost: ${sentinel.host}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 403[^]*x-zwgk-proxy: refused/i);
    expect(await rawExchange(proxy, `CONNECT ${sentinel.host} HTTP/1.1\r\nHost: ${sentinel.host}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    expect(await rawExchange(proxy, `GET ${sentinel.url}/ws HTTP/1.1\r\nHost: ${sentinel.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`)).not.toMatch(/^HTTP\/1\.1 101/);
    expect(await rawExchange(proxy, `GET /p HTTP/1.1\r\nHost: ${sentinel.host}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(sentinel.untouched()).toBe(true);
  });

  it('tunnels CONNECT to a units-file host', async () => {
    expect(await rawExchange(proxy, `CONNECT ${portalHost} HTTP/1.1\r\nHost: ${portalHost}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200 Connection Established/);
  });

  it('names a units-file host it could not reach (so a page shows no proxy text as the portal)', async () => {
    // A port that was free a moment ago: connection refused.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const down = `127.0.0.1:${(probe.address() as { port: number }).port}`;
    await new Promise<void>((r) => probe.close(() => r()));
    const p = await startFilterProxy(new NetworkPolicy({ unitHosts: [down], minIntervalMs: 0 }));
    try {
      expect(await rawExchange(p, `GET http://${down}/ HTTP/1.1\r\nHost: ${down}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 502[^]*x-zwgk-proxy: ECONNREFUSED/i);
    } finally {
      await p.close();
    }
  });
});
