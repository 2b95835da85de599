/**
 * The attachment-reading worker thread (started by src/crawl/attachment-reader.ts):
 * one message in, `{ bytes, format, limits }`, one answer out. It holds no
 * state between files; the reader terminates it when a file takes too long.
 */
import { parentPort } from 'node:worker_threads';
import { extractAttachmentText, loadReaders, type AttachmentFormat, type ExtractLimits } from './parse/attachment.ts';

export interface WorkerRequest {
  id: number;
  bytes: Uint8Array;
  format: AttachmentFormat;
  limits: ExtractLimits;
}

export type WorkerAnswer = { id: number; ok: true; text: string; truncated: boolean } | { id: number; ok: false; error: string };

/** Sent once the libraries are loaded: files are sent (and timed) only after it. */
export type WorkerReady = 'ready';

parentPort!.on('message', (m: WorkerRequest) => {
  extractAttachmentText(m.bytes, m.format, m.limits).then(
    (r) => parentPort!.postMessage({ id: m.id, ok: true, text: r.text, truncated: r.truncated } satisfies WorkerAnswer),
    (err: unknown) => {
      const error = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);
      parentPort!.postMessage({ id: m.id, ok: false, error } satisfies WorkerAnswer);
    },
  );
});
void loadReaders().then(() => parentPort!.postMessage('ready' satisfies WorkerReady));
