import { Command, CommanderError } from 'commander';
import { registerAuditCommand } from './audit-command.ts';
import { registerCrawlCommand } from './crawl-command.ts';
import { registerDemoCommand } from './demo-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { version } from './version.ts';

const program = new Command('zwgk')
  .description('zwgk-audit：政务公开过程测评自动化审计')
  .version(version, '-V, --version', '显示版本号')
  .helpOption('-h, --help', '显示帮助')
  .showHelpAfterError('（使用 --help 查看用法）')
  .exitOverride();

registerCrawlCommand(program);
registerAuditCommand(program);
registerServeCommand(program);
registerDemoCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err);
}

/** One line, no stack trace: office IT reads this, not a developer (set ZWGK_DEBUG=1 for the stack). */
function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (help, version, unknown option)
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`错误：${message.split('\n')[0]}\n`);
  if (process.env.ZWGK_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 2;
}
