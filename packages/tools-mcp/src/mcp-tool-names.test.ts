import { describe, expect, it } from 'vitest';
import { claimToolName, createToolFilter, namespacedToolName } from './mcp-tool-names.js';

describe('namespacedToolName', () => {
  it('joins server and tool with a double underscore', () => {
    expect(namespacedToolName('everything', 'get-sum')).toBe('everything__get-sum');
    expect(namespacedToolName('hf-mcp-server', 'hub_repo_details')).toBe('hf-mcp-server__hub_repo_details');
  });

  it('replaces characters model APIs refuse and never starts with a non-letter', () => {
    expect(namespacedToolName('my server', 'files/read.v2')).toBe('my_server__files_read_v2');
    expect(namespacedToolName('1password', 'lookup')).toBe('mcp_1password__lookup');
  });

  it('keeps long names within 64 characters and distinct', () => {
    const first = namespacedToolName('a-very-long-server-name-for-testing', 'an_equally_long_tool_name_that_goes_on_and_on_1');
    const second = namespacedToolName('a-very-long-server-name-for-testing', 'an_equally_long_tool_name_that_goes_on_and_on_2');
    expect(first).toHaveLength(64);
    expect(second).toHaveLength(64);
    expect(first).not.toBe(second);
    expect(first).toMatch(/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/);
  });
});

describe('claimToolName', () => {
  it('returns a free name and renames a taken one', () => {
    const taken = new Set(['read', 'files__read']);
    expect(claimToolName('files__write', taken)).toBe('files__write');
    expect(claimToolName('files__read', taken)).toBe('files__read_2');
    expect(claimToolName('files__read', taken)).toBe('files__read_3');
    expect(taken.has('files__read_3')).toBe(true);
    const long = 'x'.repeat(64);
    expect(claimToolName(long, new Set([long]))).toBe(`${'x'.repeat(62)}_2`);
  });
});

describe('createToolFilter', () => {
  it('keeps everything without filters', () => {
    expect(createToolFilter({})('anything')).toBe(true);
  });

  it('applies include globs, then exclude globs, to the MCP tool name', () => {
    const keep = createToolFilter({ include: ['read_*', 'list_?irectory'], exclude: ['read_media_file'] });
    expect(['read_text_file', 'read_media_file', 'list_directory', 'write_file', 'xread_text_file'].filter(keep)).toEqual(['read_text_file', 'list_directory']);
  });

  it('treats regular-expression characters literally', () => {
    const keep = createToolFilter({ include: ['a.b*'] });
    expect(keep('a.b.c')).toBe(true);
    expect(keep('aXb')).toBe(false);
  });
});
