import http from 'node:http';
import net from 'node:net';
import type { NetworkPolicy } from './policy.ts';

/**
 * The tool's own HTTP proxy on 127.0.0.1, one per browser context, through
 * which Chromium makes every request of a render, a screenshot or the PDF
 * (the context is created with it and `<-loopback>`, so loopback goes through
 * it too). It tells its context which plain http requests it refused:
 * Playwright's request events miss some redirect hops (a fetch whose redirect
 * fails shows only as the first address failing). Playwright's request
 * routing sees only the first address of a redirect chain and no WebSockets;
 * here every hop the browser follows is a new request, checked on its own:
 *
 * - plain http: absolute-form requests, forwarded only to hosts of the units
 *   file, connected to the IP the policy resolved;
 * - https and WebSocket tunnels: CONNECT host:port, the same check;
 * - an HTTP Upgrade through the proxy (a WebSocket without a tunnel): refused;
 * - a service worker's script (`Service-Worker: script`): refused, behind the
 *   context's own block (Playwright's stands in for `register` only);
 * - request starts paced per host like the fetcher's (`--min-interval`).
 *
 * Its own answers carry `x-zwgk-proxy`: `refused` (the policy), or the error
 * code of a units-file host it could not reach (ECONNREFUSED…), so the page
 * code can tell them from the portal's own answers.
 */

export interface FilterProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1): never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);
const IDLE_MS = 60_000;
const REFUSED = Buffer.from('按网络访问规则已拦截（zwgk-audit）', 'utf8');
const UNREACHABLE = Buffer.from('无法连接网站（zwgk-audit）', 'utf8');

/** Header pairs of a raw header list, without hop-by-hop ones and those the Connection header names. */
function endToEnd(raw: string[]): string[] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') for (const t of raw[i + 1]!.split(',')) named.add(t.trim().toLowerCase());
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name) && !named.has(name)) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** The proxy's own answer: `code` is 'refused' or why the host could not be reached. */
function answer(res: http.ServerResponse, status: number, code: string): void {
  if (res.headersSent) return void res.destroy();
  const body = code === 'refused' ? REFUSED : UNREACHABLE;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), connection: 'close', 'x-zwgk-proxy': code }).end(body);
}

type Admission = { address: string } | { status: number; code: string };

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'ERROR';
}

export async function startFilterProxy(policy: NetworkPolicy, onRefused: (url: string) => void = () => {}): Promise<FilterProxy> {
  const agent = new http.Agent({ keepAlive: true, timeout: IDLE_MS });
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  /** The IP to connect to for host:port after the page check, or the proxy's answer. */
  const admit = async (url: URL, port: number): Promise<Admission> => {
    if (!policy.check(url, 'page').ok) return { status: 403, code: 'refused' };
    try {
      const address = await policy.address(url.hostname, port);
      await policy.pace(url.host);
      return { address };
    } catch (err) {
      // ForbiddenTargetError (by its code: this module does not import the policy's values).
      return codeOf(err) === 'ZWGK_FORBIDDEN' ? { status: 403, code: 'refused' } : { status: 502, code: codeOf(err) };
    }
  };

  const forward = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return answer(res, 400, 'refused');
    }
    // https never comes as a plain request: a browser tunnels it with CONNECT.
    if (url.protocol !== 'http:') return answer(res, 400, 'refused');
    if (req.headers['service-worker'] !== undefined) return answer(res, 403, 'refused');
    const port = url.port ? Number(url.port) : 80;
    const admitted = await admit(url, port);
    if (!('address' in admitted)) {
      if (admitted.code === 'refused') onRefused(url.href);
      return answer(res, admitted.status, admitted.code);
    }
    const up = http.request(
      { host: admitted.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers: ['Host', url.host, ...endToEnd(req.rawHeaders)], setHost: false, agent, timeout: IDLE_MS },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.rawHeaders));
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    up.on('timeout', () => up.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    up.on('error', (err) => answer(res, 502, codeOf(err)));
    res.on('close', () => up.destroy());
    req.pipe(up);
  };

  const tunnel = async (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    track(client);
    client.on('error', () => client.destroy());
    const target = req.url ?? '';
    let url: URL | null = null;
    try {
      if (/:\d+$/.test(target)) url = new URL(`http://${target}`);
    } catch {
      url = null;
    }
    const port = url ? (url.port ? Number(url.port) : 80) : 0;
    const admitted: Admission = url ? await admit(url, port) : { status: 403, code: 'refused' };
    if (!('address' in admitted)) {
      return void client.end(`HTTP/1.1 ${admitted.status} ${admitted.status === 403 ? 'Forbidden' : 'Bad Gateway'}\r\nContent-Length: 0\r\nConnection: close\r\nX-Zwgk-Proxy: ${admitted.code}\r\n\r\n`);
    }
    const up = net.connect({ host: admitted.address, port });
    track(up);
    up.setTimeout(IDLE_MS, () => up.destroy());
    client.setTimeout(IDLE_MS, () => client.destroy());
    let open = false;
    up.once('connect', () => {
      open = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => {
      if (!open && client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      else client.destroy();
    });
    up.on('close', () => client.destroy());
    client.on('close', () => up.destroy());
  };

  const server = http.createServer((req, res) => void forward(req, res));
  server.on('connection', track);
  server.on('connect', (req, socket: net.Socket, head: Buffer) => void tunnel(req, socket, head));
  server.on('upgrade', (_req, socket: net.Socket) => socket.destroy());
  server.on('clientError', (_err, socket: net.Socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      agent.destroy();
      await closed;
    },
  };
}
