// A parse-pool worker (src/crawl/parse-pool.ts): registers tsx in this thread, then runs parse tasks.
import { register } from 'tsx/esm/api';

register();
const { runParseTask } = await import('./parse-task.ts');

export default runParseTask;
