/**
 * Host entries of the network policy, as the units file and `--allow-host`
 * give them: `host`, `host:port`, `[v6]:port`. A host without a port covers
 * the default ports 80 and 443. Kept apart from the policy so the command line
 * can check an option without loading the network stack.
 */

const DEFAULT_PORTS = new Set([80, 443]);

export interface HostSpec {
  hostname: string;
  /** null: the default ports (80 and 443). */
  port: number | null;
}

/** Lower case, without IPv6 brackets or a final dot. */
export function normHostname(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

/** `host`, `host:port`, `[v6]:port` (as `--allow-host` and the units file give them); throws a Chinese line otherwise. */
export function parseHostSpec(text: string): HostSpec {
  const t = text.trim();
  let u: URL | null = null;
  try {
    u = new URL(`http://${t}`);
  } catch {
    u = null;
  }
  if (!u || !t || u.username || u.password || u.pathname !== '/' || u.search || u.hash || /[/?#@\s]/.test(t)) {
    throw new Error(`站点“${text}”无效，应写作 主机名 或 主机名:端口（如 www.jiangxi.gov.cn 或 10.1.2.3:8080）`);
  }
  const explicit = /:\d+$/.test(t) ? Number(t.slice(t.lastIndexOf(':') + 1)) : null;
  return { hostname: normHostname(u.hostname), port: explicit };
}

export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

export function listed(specs: HostSpec[], hostname: string, port: number): boolean {
  const h = normHostname(hostname);
  return specs.some((s) => s.hostname === h && (s.port === null ? DEFAULT_PORTS.has(port) : s.port === port));
}

