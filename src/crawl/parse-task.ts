import { parseArticle } from './parse/article.ts';
import { parseEndpointResponse } from './parse/endpoints.ts';
import { parseList, visibleDateCount } from './parse/list.ts';
import { discoverColumns } from './parse/tree.ts';
import type { DiscoveredColumn, ListEndpoint, ParsedArticle, ParsedList } from './parse/types.ts';

/**
 * One page for a parser, as plain data (it crosses to a worker thread): the
 * crawl's four parses plus the date count that guards against reading an
 * unrecognised list as empty.
 */
export type ParseTask =
  | { kind: 'tree'; html: string; url: string; keepSelf?: boolean }
  | { kind: 'list'; html: string; url: string; contextYear?: number; column?: string }
  | { kind: 'endpoint'; endpoint: ListEndpoint; body: string; pageUrl: string; contextYear?: number }
  | { kind: 'article'; html: string; url: string }
  | { kind: 'dates'; html: string; contextYear?: number };

export interface ParseOutput {
  tree: DiscoveredColumn[];
  list: ParsedList;
  endpoint: ParsedList;
  article: ParsedArticle;
  dates: number;
}

export type ParseResult<T extends ParseTask> = ParseOutput[T['kind']];

export function runParseTask<T extends ParseTask>(task: T): ParseResult<T> {
  return runTask(task) as ParseResult<T>;
}

function runTask(task: ParseTask): ParseOutput[ParseTask['kind']] {
  switch (task.kind) {
    case 'tree':
      return discoverColumns(task.html, task.url, task.keepSelf ? { keepSelf: true } : {});
    case 'list':
      return parseList(task.html, task.url, {
        ...(task.contextYear !== undefined && { contextYear: task.contextYear }),
        ...(task.column !== undefined && { column: task.column }),
      });
    case 'endpoint':
      return parseEndpointResponse(task.endpoint, task.body, task.pageUrl, task.contextYear);
    case 'article':
      return parseArticle(task.html, task.url);
    case 'dates':
      return visibleDateCount(task.html, task.contextYear);
  }
}
