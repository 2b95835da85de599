/**
 * Attachment text: `(bytes, format) → text`, with the kept libraries only —
 * pdfjs-dist (legacy build, for Node), mammoth (docx), word-extractor (doc,
 * and WPS files that are Word-binary compatible), exceljs (xlsx). A format
 * none of them reads is reported as such, never guessed at. Nothing in a
 * file is executed: pdfjs runs with eval off and no scripting, fonts are not
 * loaded; Office files are only unzipped and read as XML / OLE streams.
 *
 * Pure apart from the libraries' own work, so it can run in any worker: the
 * crawl runs it in a worker thread with a time and memory budget
 * (src/crawl/attachment-reader.ts), since a hostile file may try to stall or
 * exhaust whoever reads it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type AttachmentFormat = 'pdf' | 'docx' | 'doc' | 'wps' | 'xlsx' | 'xls' | 'et' | 'ofd' | 'zip' | 'rar' | 'html' | 'unknown';

/** Formats a kept library reads. */
export const READABLE_FORMATS: ReadonlySet<AttachmentFormat> = new Set(['pdf', 'docx', 'doc', 'wps', 'xlsx']);

/** Chinese name of a format for messages. */
export function formatLabel(format: string): string {
  return format === 'unknown' ? '未知格式' : format === 'html' ? '网页' : format.toUpperCase();
}

const EXT_RE = /\.(pdf|docx|doc|wps|xlsx|xls|et|ofd|zip|rar)(?=$|[?#&;])/i;

/** Format named by an address (path or a `filename=` in the query) or the link text; null when neither names one. */
export function formatFromName(...names: string[]): AttachmentFormat | null {
  for (const name of names) {
    let path = name;
    try {
      const u = new URL(name);
      path = decodeURIComponent(u.pathname + u.search);
    } catch {
      /* a link text */
    }
    const m = EXT_RE.exec(path.trim());
    if (m) return m[1]!.toLowerCase() as AttachmentFormat;
  }
  return null;
}

const OLE2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const utf16 = (s: string) => Buffer.from(s, 'utf16le');

/**
 * The format by the file's own signature, the address only telling WPS from
 * Word and ET from Excel (same containers). A download that is really a web
 * page (an error or login page) is `html`.
 */
export function sniffFormat(bytes: Uint8Array, named: AttachmentFormat | null): AttachmentFormat {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  if (b.subarray(0, 8).equals(OLE2)) {
    if (b.includes(utf16('WordDocument'))) return named === 'wps' ? 'wps' : 'doc';
    if (b.includes(utf16('Workbook')) || b.includes(utf16('Book'))) return named === 'et' ? 'et' : 'xls';
    return named === 'wps' || named === 'et' ? named : 'unknown';
  }
  if (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) {
    if (b.includes('word/document.xml')) return 'docx';
    if (b.includes('xl/workbook.xml')) return 'xlsx';
    if (b.includes('OFD.xml')) return 'ofd';
    return 'zip';
  }
  if (b.subarray(0, 7).toString('latin1') === 'Rar!\x1a\x07') return 'rar';
  if (/^\s*(<!doctype html|<html|<head|<body|<\?xml|<!--)/i.test(b.subarray(0, 512).toString('latin1').replace(/^\ufeff|^\xef\xbb\xbf/, ''))) return 'html';
  return 'unknown';
}

export interface ExtractLimits {
  /** Characters of text taken at most (the rest is not read). Default 2 000 000. */
  maxChars?: number;
  /** PDF pages read at most. Default 300. */
  maxPages?: number;
}

export interface Extracted {
  text: string;
  /** A bound stopped the reading before the end. */
  truncated: boolean;
}

/** Text of an attachment of a readable format; throws (with the library's message) when the file cannot be read. */
export async function extractAttachmentText(bytes: Uint8Array, format: AttachmentFormat, limits: ExtractLimits = {}): Promise<Extracted> {
  const maxChars = limits.maxChars ?? 2_000_000;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out: Extracted;
  switch (format) {
    case 'pdf':
      out = await pdfText(new Uint8Array(bytes), limits.maxPages ?? 300, maxChars);
      break;
    case 'docx':
      out = { text: (await (await import('mammoth')).default.extractRawText({ buffer: buf })).value, truncated: false };
      break;
    case 'doc':
    case 'wps': {
      const doc = await new (wordExtractor())().extract(buf);
      out = { text: doc.getBody(), truncated: false };
      break;
    }
    case 'xlsx':
      out = await xlsxText(buf, maxChars);
      break;
    default:
      throw new Error(`${formatLabel(format)} 格式没有可用的读取程序`);
  }
  return out.text.length > maxChars ? { text: out.text.slice(0, maxChars), truncated: true } : out;
}

const require = createRequire(import.meta.url);

/** pdfjs's worker half (untyped; a specifier in a variable keeps the compiler from looking for its types). */
const PDF_WORKER: string = 'pdfjs-dist/legacy/build/pdf.worker.mjs';

/** Loads the libraries (slow the first time: pdfjs is large); a worker does it before taking files, so a file's time bound is its own. */
export async function loadReaders(): Promise<void> {
  // pdfjs runs its "worker" in this thread when it finds it loaded already, instead of importing it on the first file.
  const [, pdfWorker] = await Promise.all([import('pdfjs-dist/legacy/build/pdf.mjs'), import(PDF_WORKER), import('mammoth'), import('exceljs')]);
  (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = pdfWorker;
  wordExtractor();
}

type WordExtractorClass = new () => { extract(input: Buffer): Promise<{ getBody(): string }> };
function wordExtractor(): WordExtractorClass {
  return require('word-extractor') as WordExtractorClass;
}

interface PdfTextItem {
  str: string;
  hasEOL?: boolean;
  transform?: number[];
  width?: number;
  height?: number;
}

/**
 * Page text in reading order of the content stream. Items on one line are
 * joined with a space where a gap shows (table cells), without one where they
 * touch (a number split into runs); a line change is a newline.
 */
async function pdfText(data: Uint8Array, maxPages: number, maxChars: number): Promise<Extracted> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const root = dirname(require.resolve('pdfjs-dist/package.json'));
  const doc = await getDocument({
    data,
    // Chinese PDFs often use the predefined CMaps (UniGB-UCS2-H, GBK-EUC-H): without them no text comes out.
    cMapUrl: join(root, 'cmaps') + '/',
    cMapPacked: true,
    standardFontDataUrl: join(root, 'standard_fonts') + '/',
    isEvalSupported: false,
    enableXfa: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  }).promise;
  try {
    const parts: string[] = [];
    let size = 0;
    const pages = Math.min(doc.numPages, maxPages);
    for (let p = 1; p <= pages && size <= maxChars; p++) {
      const page = await doc.getPage(p);
      const content = await page.getTextContent();
      let line = '';
      let prev: PdfTextItem | null = null;
      for (const raw of content.items as PdfTextItem[]) {
        if (typeof raw.str !== 'string') continue;
        if (prev && !prev.hasEOL && line && gapBetween(prev, raw)) line += ' ';
        line += raw.str;
        if (raw.hasEOL) line += '\n';
        prev = raw;
      }
      parts.push(line);
      size += line.length;
      page.cleanup();
    }
    return { text: parts.join('\n'), truncated: doc.numPages > pages || size > maxChars };
  } finally {
    await doc.destroy();
  }
}

function gapBetween(a: PdfTextItem, b: PdfTextItem): boolean {
  const ta = a.transform;
  const tb = b.transform;
  if (!ta || !tb) return true;
  const size = Math.max(Math.abs(ta[3] ?? 0), a.height ?? 0, 1);
  if (Math.abs((ta[5] ?? 0) - (tb[5] ?? 0)) > size / 2) return true;
  return (tb[4] ?? 0) - ((ta[4] ?? 0) + (a.width ?? 0)) > size * 0.25;
}

/** Cell texts, a tab between cells and a newline between rows, sheet after sheet. */
async function xlsxText(buf: Buffer, maxChars: number): Promise<Extracted> {
  const { default: ExcelJS } = await import('exceljs');
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(buf as unknown as ArrayBuffer);
  const lines: string[] = [];
  let size = 0;
  let truncated = false;
  book.eachSheet((sheet) => {
    if (truncated) return;
    lines.push(sheet.name);
    sheet.eachRow({ includeEmpty: false }, (row) => {
      if (truncated) return;
      const cells: string[] = [];
      row.eachCell({ includeEmpty: false }, (cell) => {
        cells.push(cellText(cell.text));
      });
      const line = cells.join('\t');
      lines.push(line);
      size += line.length + 1;
      if (size > maxChars) truncated = true;
    });
  });
  return { text: lines.join('\n'), truncated };
}

function cellText(t: unknown): string {
  return typeof t === 'string' ? t.replace(/[\r\n]+/g, ' ') : String(t ?? '');
}
