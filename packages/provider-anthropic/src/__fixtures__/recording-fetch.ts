/** A `fetch` that keeps a copy of every response body, to see the exact frames the provider read. */
export function recordingFetch(): { fetch: typeof globalThis.fetch; bodies: Promise<string>[] } {
  const bodies: Promise<string>[] = [];
  return {
    bodies,
    fetch: async (input, init) => {
      const response = await globalThis.fetch(input, init);
      bodies.push(response.clone().text());
      return response;
    },
  };
}

/** How many SSE frames of a body carry this delta type. */
export function countDeltas(body: string, deltaType: string): number {
  return body.split(`"delta":{"type":"${deltaType}"`).length - 1;
}
