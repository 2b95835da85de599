import { Worker } from 'node:worker_threads';
import PQueue from 'p-queue';
import type { AttachmentFormat, ExtractLimits } from './parse/attachment.ts';
import type { WorkerAnswer, WorkerReady, WorkerRequest } from './attachment-worker.ts';

/**
 * Reads attachment text off the event loop, with a budget: one worker thread
 * (src/crawl/attachment-worker.ts running src/crawl/parse/attachment.ts), one
 * file at a time, a time bound per file and a heap bound for the thread. A
 * file that exceeds either has its worker terminated — a hostile PDF costs
 * its own budget and nothing more — and the next file gets a fresh worker.
 * A worker's start (loading the libraries) has its own, longer bound.
 */

export interface AttachmentReaderOptions {
  /** Time for one file. Default 20 000 ms. */
  timeoutMs?: number;
  /** Time for a worker to start and load the libraries. Default 120 000 ms. */
  startTimeoutMs?: number;
  /** Heap of the reading thread. Default 512 MB. */
  maxHeapMb?: number;
  limits?: ExtractLimits;
}

export type ReadOutcome = { ok: true; text: string; truncated: boolean } | { ok: false; reason: string };

/**
 * Worker threads do not inherit the TypeScript loader (tsx) of the process:
 * the thread registers it before importing the worker module.
 */
function bootstrap(): string {
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./attachment-worker.ts', import.meta.url).href;
  return `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

const ABORTED: ReadOutcome = { ok: false, reason: '读取已中止' };

interface Running {
  worker: Worker;
  /** Resolves when the libraries are loaded; a reason when the worker could not start. */
  ready: Promise<string | null>;
}

export class AttachmentReader {
  readonly #timeoutMs: number;
  readonly #startTimeoutMs: number;
  readonly #heapMb: number;
  readonly #limits: ExtractLimits;
  readonly #queue = new PQueue({ concurrency: 1 });
  #running: Running | null = null;
  #seq = 0;
  #closed = false;

  constructor(options: AttachmentReaderOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 20_000;
    this.#startTimeoutMs = options.startTimeoutMs ?? 120_000;
    this.#heapMb = options.maxHeapMb ?? 512;
    this.#limits = options.limits ?? {};
  }

  /** The text of one file; never throws (a failure is a Chinese reason). */
  read(bytes: Uint8Array, format: AttachmentFormat, signal?: AbortSignal): Promise<ReadOutcome> {
    return this.#queue.add(() => this.#read(bytes, format, signal), { signal }).then(
      (r) => r ?? ABORTED,
      () => ABORTED,
    );
  }

  #spawn(): Running {
    const worker = new Worker(bootstrap(), { eval: true, resourceLimits: { maxOldGenerationSizeMb: this.#heapMb }, stdout: true, stderr: true });
    // The libraries' own warnings are not the crawl's output.
    worker.stdout.resume();
    worker.stderr.resume();
    worker.unref();
    const ready = new Promise<string | null>((resolve) => {
      const done = (reason: string | null) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(reason);
      };
      const onMessage = (m: WorkerReady | WorkerAnswer) => m === 'ready' && done(null);
      const onError = (err: Error) => done(`附件读取程序未能启动（${err.message.split('\n')[0]}）`);
      const onExit = () => done('附件读取程序未能启动');
      const timer = setTimeout(() => done(`附件读取程序 ${Math.round(this.#startTimeoutMs / 1000)} 秒内未能启动`), this.#startTimeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    return { worker, ready };
  }

  async #read(bytes: Uint8Array, format: AttachmentFormat, signal?: AbortSignal): Promise<ReadOutcome> {
    if (this.#closed || signal?.aborted) return ABORTED;
    const running = (this.#running ??= this.#spawn());
    const failed = await running.ready;
    if (failed) {
      this.#discard(running);
      return { ok: false, reason: failed };
    }
    const { worker } = running;
    const id = ++this.#seq;
    // The worker gets its own copy: the caller's buffer may be a slice of a shared pool.
    const copy = new Uint8Array(bytes);
    return new Promise<ReadOutcome>((resolve) => {
      const done = (r: ReadOutcome, kill: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (kill) this.#discard(running);
        resolve(r);
      };
      const onMessage = (m: WorkerReady | WorkerAnswer) => {
        if (m === 'ready' || m.id !== id) return;
        done(m.ok ? { ok: true, text: m.text, truncated: m.truncated } : { ok: false, reason: `文件无法解析（${m.error}）` }, false);
      };
      const onError = (err: Error & { code?: string }) => {
        const reason = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `读取时内存超过上限（${this.#heapMb} MB），已停止` : `读取程序出错（${err.message.split('\n')[0]}）`;
        done({ ok: false, reason }, true);
      };
      const onExit = () => done({ ok: false, reason: '读取程序意外退出' }, true);
      const onAbort = () => done(ABORTED, true);
      const timer = setTimeout(() => done({ ok: false, reason: `读取超过 ${Math.round(this.#timeoutMs / 1000)} 秒，已停止` }, true), this.#timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      const request: WorkerRequest = { id, bytes: copy, format, limits: this.#limits };
      worker.postMessage(request, [copy.buffer]);
    });
  }

  #discard(running: Running): void {
    if (this.#running === running) this.#running = null;
    void running.worker.terminate().catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.clear();
    await this.#queue.onIdle();
    const running = this.#running;
    this.#running = null;
    if (running) await running.worker.terminate().catch(() => 0);
  }
}
