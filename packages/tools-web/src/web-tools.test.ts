import { describe, expect, it } from 'vitest';
import { webTools } from './web-tools.js';

describe('webTools', () => {
  it('bundles web_search and web_fetch, both read-only', () => {
    const tools = webTools({ webSearch: { searchUrl: 'http://127.0.0.1:9/html/' }, webFetch: { allowPrivateNetwork: true } });
    expect(tools.map((tool) => tool.name)).toEqual(['web_search', 'web_fetch']);
    expect(tools.every((tool) => tool.readOnly === true)).toBe(true);
    expect(Object.keys((tools[1]!.jsonSchema as { properties: object }).properties)).toEqual(['url', 'max_length', 'offset']);
  });
});
