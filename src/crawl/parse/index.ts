/** The pure parsers: decoded HTML in, plain data out. No network, no disk. */
export { decodeBody, normalizeCharset } from './charset.ts';
export { dateFromUrl, findDates, parseDate, standaloneDate, yearFromUrl } from './dates.ts';
export { discoverColumns } from './tree.ts';
export { parseList, type ParseListOptions } from './list.ts';
export { findEndpoint, parseEndpointResponse } from './endpoints.ts';
export { parseArticle } from './article.ts';
export type { DecodedPage, DiscoveredColumn, ListEndpoint, ParsedArticle, ParsedItem, ParsedList } from './types.ts';
