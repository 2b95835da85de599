import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { HostSlots } from '../crawl/fetcher.ts';
import type { Pacer } from '../net/policy.ts';
import { redisConnection } from './jobs.ts';

/**
 * The per-host politeness of one process (the policy's `pace`, the fetcher's
 * per-host queue), held across every worker of a distributed run through Redis:
 *
 * - pacing: one key per host holds the earliest instant the next request may
 *   start; a script moves it on by the interval and answers how long to wait,
 *   so two starts on a host, on any machines, are at least `--min-interval` apart;
 * - slots: a sorted set per host of leases (holder → expiry). A holder takes a
 *   lease when fewer than `--concurrency` are live, renews it while its request
 *   or render runs, and removes it when done. A worker that dies stops renewing:
 *   its lease runs out after LEASE_MS and the slot is free again.
 *
 * Both scripts read Redis's own clock (TIME), so the machines' clocks need not agree.
 */

/** Default lease; the worker gives its stall time (--stall-seconds), so a dead worker's slots free as soon as its jobs move on. */
const LEASE_MS = 30_000;
/** How often a waiting holder asks again for a slot (with jitter, so waiters do not ask in step). */
const POLL_MS = 15;

const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const PACE = `${NOW}
local interval = tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, nxt)
redis.call('SET', KEYS[1], at + interval, 'PX', at - now + interval + 1000)
return at - now`;

const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const RENEW = `${NOW}
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[2]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1`;

type GateRedis = Redis & {
  zwgkPace(key: string, intervalMs: number): Promise<number>;
  zwgkAcquire(key: string, limit: number, leaseMs: number, holder: string): Promise<number>;
  zwgkRenew(key: string, leaseMs: number, holder: string): Promise<number>;
};

export class RedisHostGate implements Pacer, HostSlots {
  readonly #redis: GateRedis;
  readonly #prefix: string;
  readonly #leaseMs: number;

  /** `prefix`: the queue's key prefix, so that two deployments on one Redis do not share hosts' slots. */
  constructor(redisUrl: string, prefix: string, leaseMs = LEASE_MS) {
    this.#leaseMs = Math.max(1_000, leaseMs);
    const redis = new Redis({ ...redisConnection(redisUrl), maxRetriesPerRequest: 3 });
    // Connection trouble shows in the commands that fail; an unhandled 'error' event would end the process.
    redis.on('error', () => {});
    redis.defineCommand('zwgkPace', { numberOfKeys: 1, lua: PACE });
    redis.defineCommand('zwgkAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    redis.defineCommand('zwgkRenew', { numberOfKeys: 1, lua: RENEW });
    this.#redis = redis as GateRedis;
    this.#prefix = prefix;
  }

  #key(host: string, what: 'next' | 'slots'): string {
    return `${this.#prefix}:host:${host.toLowerCase()}:${what}`;
  }

  async pace(host: string, intervalMs: number, signal?: AbortSignal): Promise<void> {
    if (intervalMs <= 0) return;
    const wait = await this.#redis.zwgkPace(this.#key(host, 'next'), intervalMs);
    if (wait > 0) await sleep(wait, undefined, { signal });
  }

  async hold<T>(host: string, limit: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const key = this.#key(host, 'slots');
    const holder = randomBytes(8).toString('hex');
    const lease = this.#leaseMs;
    while ((await this.#redis.zwgkAcquire(key, limit, lease, holder)) !== 1) {
      await sleep(POLL_MS + Math.random() * POLL_MS, undefined, { signal });
    }
    const renew = setInterval(() => void this.#redis.zwgkRenew(key, lease, holder).catch(() => {}), lease / 3).unref();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.#redis.zrem(key, holder).catch(() => {});
    }
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
