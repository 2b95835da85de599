import { Command, CommanderError } from 'commander';
import { version } from '../lib/version.ts';

type Register = (program: Command) => void;

// Each command loads its own modules: a bad argument is answered without loading the browser, Excel and the whole pipeline.
const commands: Record<string, () => Promise<Register>> = {
  crawl: async () => (await import('./crawl-command.ts')).registerCrawlCommand,
  audit: async () => (await import('./audit-command.ts')).registerAuditCommand,
  serve: async () => (await import('./serve-command.ts')).registerServeCommand,
  worker: async () => (await import('./worker-command.ts')).registerWorkerCommand,
  demo: async () => (await import('./demo-command.ts')).registerDemoCommand,
  review: async () => (await import('./review-command.ts')).registerReviewCommand,
};

const program = new Command('zwgk')
  .description('zwgk-audit：政务公开过程测评自动化审计')
  .version(version, '-V, --version', '显示版本号')
  .helpOption('-h, --help', '显示帮助')
  .configureOutput({ outputError: (str, write) => write(`错误：${commanderMessage(str)}（使用 --help 查看用法）\n`) })
  .exitOverride();

try {
  const asked = process.argv[2];
  const wanted = asked && asked in commands ? [commands[asked]!] : Object.values(commands);
  for (const load of wanted) (await load())(program);
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err);
}

/** commander's messages are English and may span lines; the office gets one line. */
function commanderMessage(str: string): string {
  const first = str.replace(/^error: /, '').split('\n')[0] ?? '';
  // Our argument parsers already say in Chinese what is wrong; drop commander's English wrapper.
  const ours = /^option '[^']+' argument '[^']*' is invalid\. (.+)$/.exec(first);
  return ours ? ours[1]! : first;
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
