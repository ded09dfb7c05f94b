export {
  classifyAddress,
  createNetworkPolicy,
  describeAddressCategory,
  parseIpAddress,
} from './address-policy.js';
export type { AddressCategory, AddressClassification, NetworkPolicy, NetworkPolicyOptions } from './address-policy.js';
export { DEFAULT_DUCKDUCKGO_URL, createDuckDuckGoBackend, parseDuckDuckGoResults, unwrapDuckDuckGoLink } from './duckduckgo-backend.js';
export type { DuckDuckGoBackendOptions } from './duckduckgo-backend.js';
export { BlockedDestinationError } from './guarded-fetch.js';
export type { HostResolver, ResolvedAddress } from './guarded-fetch.js';
export { DEFAULT_WEB_USER_AGENT, createWebFetchTool } from './web-fetch-tool.js';
export type { WebFetchToolOptions } from './web-fetch-tool.js';
export { filterResults, hostMatchesDomain } from './web-search-backend.js';
export type { WebSearchBackend, WebSearchOptions, WebSearchResult } from './web-search-backend.js';
export { createWebSearchTool } from './web-search-tool.js';
export type { WebSearchToolOptions } from './web-search-tool.js';
export { webTools } from './web-tools.js';
export type { WebToolsOptions } from './web-tools.js';
