#!/usr/bin/env node
// `npm run bench [-- --quick]`: installs the bench-only reference crawler
// (Crawlee, from bench/package.json into bench/node_modules) on first use,
// then runs bench/run.ts. Crawlee is never a dependency of the product.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bench = join(root, 'bench');

if (!existsSync(join(bench, 'node_modules', '@crawlee', 'cheerio', 'package.json'))) {
  process.stderr.write('[bench] 首次运行：安装对照爬虫 Crawlee 到 bench/node_modules …\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', bench, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write('[bench] 错误：Crawlee 安装失败（npm install --prefix bench），无法进行对照测量\n');
    process.exit(1);
  }
}

register();
process.chdir(root);
await import('../bench/run.ts');
