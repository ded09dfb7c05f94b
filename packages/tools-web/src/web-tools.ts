import type { AnyTool } from '@ml-intern/core';
import { type WebFetchToolOptions, createWebFetchTool } from './web-fetch-tool.js';
import { type WebSearchToolOptions, createWebSearchTool } from './web-search-tool.js';

/** Options of the `webTools` bundle: one object per tool. */
export interface WebToolsOptions {
  webSearch?: WebSearchToolOptions;
  webFetch?: WebFetchToolOptions;
}

/** `web_search` and `web_fetch`, both read-only. */
export function webTools(options: WebToolsOptions = {}): AnyTool[] {
  return [createWebSearchTool(options.webSearch), createWebFetchTool(options.webFetch)];
}
