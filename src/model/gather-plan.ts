/**
 * What the crawl must gather beyond the column lists, made by the judge stage
 * from the needs the selected rules declare (Lighthouse's requiredArtifacts):
 * the crawl asks the plan about each column it finds and reads what it says.
 */

/** What to read of one column's items (one need of one rule, or several merged). */
export interface ArticleRead {
  /** Only items whose title contains one of these words; absent = every item. */
  titles?: readonly string[];
  /** With `titles`: when no item matches, read every item instead. */
  fallbackToAll?: boolean;
  /** The column's own page is content too (a leader page): keep it as an article. */
  columnPage?: boolean;
  /**
   * `read`: body links checked, and those on the portal's hosts read as articles too (the policy an
   * interpretation links to). `check`: body links (attachments included) only checked — status, no
   * article read — once per address in the unit, after its columns, up to `maxLinkChecks`.
   */
  links?: 'read' | 'check';
  /** With `check`: links on the units file's hosts only (default), or any link the network policy lets the tool check. */
  linkScope?: 'portal' | 'any';
  /** With `check`: distinct links checked at most in the unit (the largest any read of the unit asks). Default 300. */
  maxLinkChecks?: number;
  /** Read only the first (newest) this many of the column's items: a sample the rule asked for, not a bound hit. */
  max?: number;
  /** With `max`: the newest items by date (undated last), not the first ones of the list (pinned items come first there). */
  newest?: boolean;
  /** The attachments the articles link to (PDF, Word, WPS, Excel…) are downloaded and their text read. */
  attachments?: 'text';
}

export interface ColumnPlan {
  /** The column's category by the scheme (informational in the snapshot). */
  category: string;
  /** Items without a date (or with a guessed year) take their article's 发布日期. */
  fillDates: boolean;
  reads: ArticleRead[];
}

export interface GatherPlan {
  forColumn(path: readonly string[]): ColumnPlan;
}

/**
 * Whether a column plays a part, by keywords of its name: the column's own
 * name contains one, or its whole path (法规文件/规范性文件) does. The one
 * matching used by the plan and by the rules.
 */
export function columnMatches(path: readonly string[], keywords: readonly string[]): boolean {
  const full = path.join('/');
  return keywords.some((k) => full.includes(k));
}
