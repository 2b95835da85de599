import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadAuditInputs } from '../config/inputs.ts';
import { createAuditProgress } from './audit-progress.ts';

/** The sample portal's evaluation: the 2020 evaluation done in January 2021. */
const DEMO_AS_OF = '2021-01-20';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('启动内置示例门户（127.0.0.1），对其全部单位进行一次完整审计并输出报告')
    .option('--out <dir>', '输出目录', './reports/demo')
    .action(async (flags: { out: string }) => {
      const { startFixturePortal } = await import('../../fixtures/server.ts');
      const { runAudit } = await import('../audit/run-audit.ts');
      const { closeBrowser } = await import('../browser/chromium.ts');
      const { formatSummaryTable } = await import('../report/console-summary.ts');
      const outDir = resolve(flags.out);
      const dataDir = join(outDir, 'data');
      // A demo starts from nothing, so every run shows the same result.
      rmSync(outDir, { recursive: true, force: true });
      mkdirSync(outDir, { recursive: true });
      const portal = await startFixturePortal();
      try {
        const unitsFile = join(outDir, 'units.csv');
        portal.writeUnitsCsv(unitsFile);
        process.stderr.write(`示例门户已启动：${portal.baseUrl}\n单位名单：${unitsFile}\n测评日期：${DEMO_AS_OF}\n`);
        const inputs = loadAuditInputs({ unitsFile });
        const progress = createAuditProgress(inputs.selected);
        // The sample interpretations link to the province site (127.0.0.2): allowed, as an office would allow its provincial portal.
        const allowHosts = [new URL(portal.provinceUrl).host];
        const { report } = await runAudit(inputs, { asOf: DEMO_AS_OF, dataDir, outDir, allowHosts, perUnitReports: true, onProgress: progress.onProgress });
        progress.finish();
        process.stdout.write(`${formatSummaryTable(report)}\n`);
        process.stdout.write(`\n报告：${join(outDir, 'report.html')}\n表格：${join(outDir, 'report.xlsx')}\n数据：${join(outDir, 'report.json')}\n各单位报告：${join(outDir, 'units')}/\n`);
      } finally {
        await closeBrowser();
        await portal.close();
      }
    });
}
