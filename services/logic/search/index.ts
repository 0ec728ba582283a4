export { type SearchPage, pageOffset, searchPage } from './page.ts';
export { resolvePseudoParameter } from './pseudo-parameter.ts';
