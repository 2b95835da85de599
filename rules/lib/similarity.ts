import { normalizeText } from './text.ts';

/**
 * Text similarity of two annual reports, for 是否与往年雷同. Both texts are
 * reduced to their letters (digits, years, punctuation and whitespace go:
 * a report copied with new numbers and a new year must still match), cut
 * into character shingles, and the national template's fixed text (table
 * labels, headings) is taken out of both shingle sets, because every report
 * shares it (see the calibration notes in the scheme file).
 */

/** Letters only: years (also 二〇一九年) and other digits, punctuation, symbols and whitespace removed. */
export function similarityText(text: string): string {
  return normalizeText(text).replace(/[^\p{L}]+/gu, '');
}

export function shingles(text: string, size: number): Set<string> {
  const out = new Set<string>();
  const chars = [...text];
  for (let i = 0; i + size <= chars.length; i++) out.add(chars.slice(i, i + size).join(''));
  return out;
}

/** Shingles of the template's fixed text, given in template order so shingles across adjacent labels are covered too. */
export function boilerplateShingles(lines: readonly string[], size: number): Set<string> {
  return shingles(lines.map(similarityText).join(''), size);
}

export interface Similarity {
  /** The score the scheme's method picked. */
  score: number;
  jaccard: number;
  /** Share of the newer report's shingles found in the older one. */
  containment: number;
  /** Distinct shingles compared (after the template's were removed). */
  shinglesNew: number;
  shinglesOld: number;
}

export function compareReports(
  newer: string,
  older: string,
  opts: { size: number; method: 'jaccard' | 'containment'; boilerplate: ReadonlySet<string> },
): Similarity {
  const strip = (s: Set<string>) => {
    for (const g of opts.boilerplate) s.delete(g);
    return s;
  };
  const a = strip(shingles(similarityText(newer), opts.size));
  const b = strip(shingles(similarityText(older), opts.size));
  let common = 0;
  for (const g of a) if (b.has(g)) common++;
  const union = a.size + b.size - common;
  const jaccard = union === 0 ? 0 : common / union;
  const containment = a.size === 0 ? 0 : common / a.size;
  return {
    score: opts.method === 'jaccard' ? jaccard : containment,
    jaccard,
    containment,
    shinglesNew: a.size,
    shinglesOld: b.size,
  };
}
