export {
  classifyAddress,
  createNetworkPolicy,
  describeAddressCategory,
  parseIpAddress,
} from './address-policy.js';
export type { AddressCategory, AddressClassification, NetworkPolicy, NetworkPolicyOptions } from './address-policy.js';
export { DEFAULT_DUCKDUCKGO_URL, createDuckDuckGoBackend, isDuckDuckGoBotCheck, parseDuckDuckGoResults, unwrapDuckDuckGoLink } from './duckduckgo-backend.js';
export { DEFAULT_BRAVE_SEARCH_URL, createBraveBackend } from './brave-backend.js';
export type { BraveBackendOptions } from './brave-backend.js';
export { DEFAULT_TAVILY_API_URL, createTavilyBackend } from './tavily-backend.js';
export type { TavilyBackendOptions } from './tavily-backend.js';
export { createSearxngBackend } from './searxng-backend.js';
export type { SearxngBackendOptions } from './searxng-backend.js';
export { WEB_SEARCH_BACKENDS, chooseWebSearchBackend, selectWebSearchBackend } from './web-search-select.js';
export type { WebSearchBackendName, WebSearchBackendSettings } from './web-search-select.js';
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
