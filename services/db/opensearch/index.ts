export {
  type OpenSearchConnectionOptions,
  type OpenSearchNode,
  openSearchClientOptions,
  parseOpenSearchConnection,
} from './connection.ts';
export { openSearchReason, requestOpenSearch } from './request.ts';
