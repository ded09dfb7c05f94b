/** The `@huggingface/hub` module. */
export type HubLibrary = typeof import('@huggingface/hub');

let hubLibrary: Promise<HubLibrary> | undefined;

/**
 * `@huggingface/hub`, imported on first use. Importing it instantiates its WebAssembly modules,
 * which costs tens of milliseconds at start-up in runs that never call a Hub tool.
 */
export function loadHub(): Promise<HubLibrary> {
  hubLibrary ??= import('@huggingface/hub');
  return hubLibrary;
}
