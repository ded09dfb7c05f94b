import { describe, expect, it } from 'vitest';
import { base64ByteLength, formatMcpResult } from './format-mcp-result.js';

describe('formatMcpResult', () => {
  it('joins text blocks', () => {
    expect(formatMcpResult({ content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] })).toEqual({ output: 'a\nb' });
  });

  it('marks isError results as errors', () => {
    expect(formatMcpResult({ content: [{ type: 'text', text: 'no such repo' }], isError: true })).toEqual({ output: 'no such repo', isError: true });
    expect(formatMcpResult({ content: [], isError: true })).toEqual({ output: 'The tool reported an error without a message.', isError: true });
  });

  it('says when a tool returned nothing', () => {
    expect(formatMcpResult({ content: [] })).toEqual({ output: '(the tool returned no content)' });
  });

  it('appends structuredContent only when there is no text', () => {
    expect(formatMcpResult({ content: [{ type: 'text', text: '{"n":1}' }], structuredContent: { n: 1 } }).output).toBe('{"n":1}');
    expect(formatMcpResult({ content: [], structuredContent: { n: 1 } }).output).toBe('{\n  "n": 1\n}');
    expect(formatMcpResult({ content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }], structuredContent: { label: 'cat' } }).output).toBe(
      '[image: image/png, 3 bytes]\n{\n  "label": "cat"\n}',
    );
  });

  it('shows embedded text resources with their uri and text, and blobs by size', () => {
    const output = formatMcpResult({
      content: [
        { type: 'resource', resource: { uri: 'file:///README.md', mimeType: 'text/markdown', text: '# Title' } },
        { type: 'resource', resource: { uri: 'file:///model.bin', blob: 'AAAAAA==' } },
      ],
    }).output;
    expect(output).toBe('[resource: file:///README.md (text/markdown)]\n# Title\n[resource: file:///model.bin (unknown type, 4 bytes)]');
  });

  it('reads the pre-2024 toolResult shape', () => {
    expect(formatMcpResult({ toolResult: { answer: 42 } }).output).toBe('{\n  "answer": 42\n}');
  });
});

describe('base64ByteLength', () => {
  it('matches the decoded length', () => {
    for (const size of [0, 1, 2, 3, 4, 5, 100, 1001]) {
      expect(base64ByteLength(Buffer.alloc(size, 7).toString('base64'))).toBe(size);
    }
    expect(base64ByteLength('AAAA\nAAAA')).toBe(6);
  });
});
