import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { isCalendarDate } from '../lib/time.ts';
import { parseHostSpec } from '../net/hosts.ts';

/** Options shared by audit, crawl and serve (DESIGN.md contract). */
export function dataDirOption(value: string | undefined): string {
  return resolve(value ?? process.env.ZWGK_DATA_DIR ?? './data');
}

export function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError('--concurrency 须为 1 到 16 之间的整数');
  return n;
}

export function parseAsOf(value: string): string {
  if (!isCalendarDate(value)) throw new InvalidArgumentError(`--as-of 日期 "${value}" 无效，应为存在的日期 YYYY-MM-DD`);
  return value;
}

export function parseYear(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2000 || n > 2100) throw new InvalidArgumentError(`--year "${value}" 无效，应为四位年份`);
  return n;
}

/** A warning for the office on stderr, on a line of its own (clearing an in-place progress line on a terminal). */
export function warnLine(line: string): void {
  process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[2K' : ''}注意：${line}\n`);
}

/** `--wait <分钟>`: how long to wait for another process on the same data folder. */
export function parseWaitMinutes(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1440) throw new InvalidArgumentError('--wait 须为 0 到 1440 之间的分钟数');
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--allow-host <host[:port]>`, repeatable: checked at once (one Chinese line when malformed). */
export function collectAllowHost(value: string, previous: string[] = []): string[] {
  try {
    parseHostSpec(value);
  } catch (err) {
    throw new InvalidArgumentError(`--allow-host：${(err as Error).message}`);
  }
  return [...previous, value];
}

export function parseMinInterval(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n > 60_000) throw new InvalidArgumentError('--min-interval 须为 0 到 60000 之间的整数（毫秒）');
  return n;
}

/** The network options shared by audit, crawl and serve (DESIGN "Where the tool may connect", "Politeness"). */
export function addNetworkOptions(command: Command): Command {
  return command
    .option('--allow-host <host[:port]>', '允许链接检查访问的站点（可重复；如省政府网站。不写端口即 80/443）', collectAllowHost)
    .option('--min-interval <ms>', '同一站点两次请求开始的最小间隔，毫秒（默认 100）', parseMinInterval)
    .option('--ignore-https-errors', '忽略网站证书错误（默认不忽略）');
}

export interface NetworkFlags {
  allowHost?: string[];
  minInterval?: number;
  ignoreHttpsErrors?: boolean;
}
