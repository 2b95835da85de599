import { z } from 'zod';

/** Zod pieces the rules' settings schemas share. */

/** A regular expression given as a string; checked when the scheme loads. */
export const regexString = z.string().refine(
  (s) => {
    try {
      new RegExp(s, 'u');
      return true;
    } catch {
      return false;
    }
  },
  { message: '不是有效的正则表达式' },
);

export const monthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, '应为 MM-DD 格式的日期');

/** Column-name keywords: the columns a rule reads (matched against the column's path). */
export const columnKeywords = (defaults: string[]) => z.array(z.string().min(1)).min(1).default(defaults);
