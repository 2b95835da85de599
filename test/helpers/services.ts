import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Redis and PostgreSQL for the tests of the distributed mode. `.ci/run` starts
 * both on loopback (.ci/services.sh) and names them in ZWGK_TEST_REDIS and
 * ZWGK_TEST_POSTGRES; without them those tests skip and say why.
 */
export const REDIS_URL = process.env.ZWGK_TEST_REDIS ?? '';
export const POSTGRES_URL = process.env.ZWGK_TEST_POSTGRES ?? '';

export const NO_REDIS = REDIS_URL ? '' : '（跳过：未设置 ZWGK_TEST_REDIS；运行 `. .ci/services.sh start` 启动本机 Redis 与 PostgreSQL）';
export const NO_POSTGRES = POSTGRES_URL ? '' : '（跳过：未设置 ZWGK_TEST_POSTGRES；运行 `. .ci/services.sh start` 启动本机 Redis 与 PostgreSQL）';

/** A new empty database on the test server; `drop()` removes it (closing what still uses it). */
export async function scratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `zwgk_t_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A key prefix of its own on the test Redis, so that tests do not meet. */
export function scratchPrefix(): string {
  return `zwgk-t-${randomBytes(4).toString('hex')}`;
}
