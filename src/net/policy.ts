import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildConnector } from 'undici';
import { ADDRESS_CLASS_LABEL, canonicalAddress, classifyAddress } from './address.ts';
import { listed, normHostname, parseHostSpec, portOf, type HostSpec } from './hosts.ts';

/**
 * The one network policy of a run (DESIGN "Where the tool may connect"):
 *
 * - `page` requests — portal pages, lists, articles, endpoints, and every
 *   request the browser makes for a render, a screenshot or the PDF — go only
 *   to the hosts (`host[:port]`) of the units file;
 * - `link` checks (an interpretation's 原文 link) may also go to hosts the
 *   operator allows (`--allow-host`, `allowHosts:`), and otherwise only to
 *   hosts whose every address is public: never loopback, private, link-local,
 *   CGNAT, multicast, unspecified, IPv6 unique-local, IPv4-mapped forms of
 *   those, or the service's own listen address.
 *
 * Checked twice: on the address (`check`, before a request and on every
 * redirect hop) and on the resolved IP at connect time (`address`, used by the
 * fetcher's connector and by the browser's filtering proxy,
 * src/net/filter-proxy.ts; both then connect to exactly that IP, so a name
 * cannot resolve differently a moment later). A host given without a port
 * covers the default ports 80 and 443. The policy also paces request starts
 * per host (`--min-interval`), for the fetcher and the browser alike.
 *
 * A link the policy forbids is never requested: the fetcher answers it as a
 * LinkRef.check of kind `forbidden` with the reason, and the rules take that
 * as inconclusive (rules/interpretation-link.ts), never as a broken link.
 */

export type Purpose = 'page' | 'link';

export type Verdict = { ok: true } | { ok: false; kind: 'off-host' | 'forbidden'; reason: string };

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface NetworkPolicyOptions {
  /** Hosts (`host[:port]`) of the units file. */
  unitHosts: Iterable<string>;
  /** Hosts the operator allows link checks to, whatever their address (`--allow-host`, `allowHosts:`). */
  allowHosts?: Iterable<string>;
  /** Where the service itself listens: never a link-check target. `0.0.0.0` / `::` mean every local address. */
  ownAddresses?: Iterable<{ host: string; port: number }>;
  /** Least time between two request starts on one host. Default 100 ms. */
  minIntervalMs?: number;
  /** Accept invalid certificates (only when the operator says so). Default false. */
  ignoreHttpsErrors?: boolean;
  /** Name resolution (tests inject one); default the system resolver. */
  resolve?: Resolver;
  /** Pacing shared with other processes (src/queue/host-gate.ts); default this process's own. */
  pacer?: Pacer;
}

/** Spaces request starts on a host by `intervalMs`, across every process that shares it. */
export interface Pacer {
  pace(host: string, intervalMs: number, signal?: AbortSignal): Promise<void>;
}

/** A policy's settings as plain data (no resolver, no pacer). */
export type PolicySpec = Omit<NetworkPolicyOptions, 'resolve' | 'pacer'> & { unitHosts: string[] };

/** What the operator sets (--allow-host, --min-interval, --ignore-https-errors; the serve config). */
export type NetworkSettings = Omit<NetworkPolicyOptions, 'unitHosts'>;

/** A connection the policy refused; its message is the Chinese reason. */
export class ForbiddenTargetError extends Error {
  override name = 'ForbiddenTargetError';
  readonly code = 'ZWGK_FORBIDDEN';
}

const systemResolve: Resolver = (hostname) => lookup(hostname, { all: true });

export class NetworkPolicy {
  readonly ignoreHttpsErrors: boolean;
  readonly #units: HostSpec[];
  readonly #allowed: HostSpec[];
  readonly #own: { address: string | null; port: number }[];
  readonly #minIntervalMs: number;
  readonly #resolve: Resolver;
  readonly #nextStart = new Map<string, number>();
  readonly #pacer?: Pacer;
  readonly #spec: PolicySpec;

  constructor(o: NetworkPolicyOptions) {
    this.#units = [...o.unitHosts].map(parseHostSpec);
    this.#allowed = [...(o.allowHosts ?? [])].map(parseHostSpec);
    // A listen address given as a name or as 0.0.0.0 / :: is some or every local address: `address: null`.
    this.#own = [...(o.ownAddresses ?? [])].map(({ host, port }) => {
      const a = canonicalAddress(host);
      return { address: a !== null && classifyAddress(a) !== 'unspecified' ? a : null, port };
    });
    this.#minIntervalMs = Math.max(0, o.minIntervalMs ?? 100);
    this.ignoreHttpsErrors = o.ignoreHttpsErrors ?? false;
    this.#resolve = o.resolve ?? systemResolve;
    this.#pacer = o.pacer;
    const { unitHosts, allowHosts, ownAddresses, minIntervalMs, ignoreHttpsErrors } = o;
    this.#spec = { unitHosts: [...new Set(unitHosts)], allowHosts: [...(allowHosts ?? [])], ownAddresses: [...(ownAddresses ?? [])], minIntervalMs, ignoreHttpsErrors };
  }

  /** The settings this policy was made from, as data: another process (a worker of a distributed run) makes the same policy from them. */
  spec(): PolicySpec {
    return structuredClone(this.#spec);
  }

  /** The policy of a units file: its units' hosts, plus the operator's settings. */
  static forUnits(units: readonly { url: string }[], settings: NetworkSettings = {}): NetworkPolicy {
    return new NetworkPolicy({ ...settings, unitHosts: units.map((u) => new URL(u.url).host) });
  }

  /** A policy that lets nothing through (the PDF printer: our own files only). */
  static none(): NetworkPolicy {
    return new NetworkPolicy({ unitHosts: [] });
  }

  /** http(s) on a host of the units file. */
  isUnitUrl(url: string | URL): boolean {
    const u = toUrl(url);
    return u !== null && isHttp(u) && listed(this.#units, u.hostname, portOf(u));
  }

  /** On a host of the units file or one the operator allows: no address check. */
  #exempt(hostname: string, port: number): boolean {
    return listed(this.#units, hostname, port) || listed(this.#allowed, hostname, port);
  }

  /** May this address be requested for this purpose? (The address check of a name comes at connect time.) */
  check(url: URL, purpose: Purpose): Verdict {
    if (!isHttp(url)) return { ok: false, kind: 'off-host', reason: '只访问 http/https 地址' };
    const port = portOf(url);
    if (purpose === 'page') {
      return listed(this.#units, url.hostname, port) ? { ok: true } : { ok: false, kind: 'off-host', reason: `站点 ${url.host} 不在单位名单所列网站之内，未访问` };
    }
    if (this.#exempt(url.hostname, port)) return { ok: true };
    const host = normHostname(url.hostname);
    if (host === 'localhost' || host.endsWith('.localhost')) return { ok: false, kind: 'forbidden', reason: forbiddenReason(url.host, '是本机地址') };
    if (isIP(host)) {
      const why = this.#refusal(host, port);
      if (why) return { ok: false, kind: 'forbidden', reason: forbiddenReason(url.host, `是${why}`) };
    }
    return { ok: true };
  }

  /** True when this link would be checked without an address check (units file or operator list). */
  isExempt(url: URL): boolean {
    return isHttp(url) && this.#exempt(url.hostname, portOf(url));
  }

  /** Why an address may not be a link target (Chinese label), or null when it may. */
  #refusal(address: string, port: number): string | null {
    const cls = classifyAddress(address);
    if (cls !== 'public') return ADDRESS_CLASS_LABEL[cls];
    const a = canonicalAddress(address);
    for (const own of this.#own) {
      if (own.port !== port) continue;
      if (own.address === a || (own.address === null && localAddresses().has(a ?? ''))) return '本服务自身的地址';
    }
    return null;
  }

  /**
   * The IP to connect to for host:port, resolved once here: any address of a
   * host outside the units file and the operator's list must be public and
   * not the service's own. Throws ForbiddenTargetError, or the resolver's error.
   */
  async address(hostname: string, port: number): Promise<string> {
    const host = normHostname(hostname);
    const exempt = this.#exempt(host, port);
    if (isIP(host)) {
      const why = exempt ? null : this.#refusal(host, port);
      if (why) throw new ForbiddenTargetError(forbiddenReason(`${hostname}:${port}`, `是${why}`));
      return host;
    }
    if (!exempt && (host === 'localhost' || host.endsWith('.localhost'))) throw new ForbiddenTargetError(forbiddenReason(hostname, '是本机地址'));
    const found = await this.#resolve(host);
    if (found.length === 0) throw Object.assign(new Error(`无法解析 ${hostname}`), { code: 'ENOTFOUND' });
    if (!exempt) {
      for (const { address } of found) {
        const why = this.#refusal(address, port);
        if (why) throw new ForbiddenTargetError(forbiddenReason(hostname, `解析为${why}`));
      }
    }
    return found[0]!.address;
  }

  /** An undici connector that resolves through `address` and connects to the IP it returns (TLS still verifies the name). */
  connector(): buildConnector.connector {
    const base = buildConnector({ rejectUnauthorized: !this.ignoreHttpsErrors });
    return (opts, callback) => {
      const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
      this.address(opts.hostname, port).then(
        // `host` stays the name, so the TLS server name (SNI, certificate check) is the name.
        (address) => base({ ...opts, hostname: address }, callback),
        (err: Error) => callback(err, null),
      );
    };
  }

  /** Waits until a request to `host` (host:port) may start: minIntervalMs after the previous start there. */
  async pace(host: string, signal?: AbortSignal): Promise<void> {
    if (this.#minIntervalMs <= 0) return;
    const key = host.toLowerCase();
    if (this.#pacer) return this.#pacer.pace(key, this.#minIntervalMs, signal);
    const now = Date.now();
    const at = Math.max(now, this.#nextStart.get(key) ?? 0);
    this.#nextStart.set(key, at + this.#minIntervalMs);
    if (at > now) await sleep(at - now, undefined, { signal });
  }
}

/** `what`: 是本机地址, 解析为内网地址… */
function forbiddenReason(host: string, what: string): string {
  return `${host} ${what}，不在单位名单所列网站或 --allow-host 放行的站点之内，按网络访问规则未访问`;
}

function isHttp(u: URL): boolean {
  return u.protocol === 'http:' || u.protocol === 'https:';
}

function toUrl(url: string | URL): URL | null {
  if (url instanceof URL) return url;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Every address of this machine's interfaces, canonical. */
function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      const a = canonicalAddress(i.address);
      if (a) out.add(a);
    }
  }
  return out;
}
