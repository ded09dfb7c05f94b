import { describe, expect, it } from 'vitest';
import { applyEdit } from './apply-edit.js';

describe('applyEdit', () => {
  it('replaces one exact match', () => {
    const result = applyEdit('a = 1\nb = 2\n', 'b = 2', 'b = 3');
    expect(result).toEqual({ content: 'a = 1\nb = 3\n', replacements: 1, strategy: 'exact', lines: [2] });
  });

  it('refuses an ambiguous match, saying how many and where', () => {
    expect(() => applyEdit('x = 1\ny = 2\nx = 1\n', 'x = 1', 'x = 0')).toThrow(/matches 2 places .* at lines 1, 3\. .*replace_all/);
  });

  it('replaces every match with replace_all', () => {
    const result = applyEdit('x = 1\ny = 2\nx = 1\n', 'x = 1', 'x = 0', true);
    expect(result.content).toBe('x = 0\ny = 2\nx = 0\n');
    expect(result.replacements).toBe(2);
  });

  it('falls back to whitespace-insensitive matching and maps back to the original span', () => {
    const content = 'def f():\n    total  =  a +\tb   \n    return total\n';
    const result = applyEdit(content, 'total = a + b\n    return total', 'total = a * b\n    return total');
    expect(result.strategy).toBe('whitespace');
    expect(result.content).toBe('def f():\n    total = a * b\n    return total\n');
  });

  it('does not double the indentation when old_string carries different indentation', () => {
    const content = 'class A:\n    def f(self):\n        return 1\n';
    const result = applyEdit(content, '  def f(self):\n      return 1', '    def f(self):\n        return 2');
    expect(result.strategy).toBe('whitespace');
    expect(result.content).toBe('class A:\n    def f(self):\n        return 2\n');
  });

  it('matches CRLF files with LF old_string', () => {
    const result = applyEdit('one\r\ntwo\r\nthree\r\n', 'one\ntwo', 'uno\ndos');
    expect(result.content).toBe('uno\ndos\r\nthree\r\n');
  });

  it('falls back to Unicode normalisation for smart quotes, dashes, ellipses and invisible characters', () => {
    const content = 'print(“hello — world…”)\u200b\nx = ‘a’\n';
    const result = applyEdit(content, 'print("hello - world...")', 'print("hi")');
    expect(result.strategy).toBe('unicode');
    expect(result.content).toBe('print("hi")\u200b\nx = ‘a’\n');
    expect(applyEdit(content, "x = 'a'", "x = 'b'").content).toBe('print(“hello — world…”)\u200b\nx = \'b\'\n');
  });

  it('explains when nothing matches', () => {
    expect(() => applyEdit('abc\n', 'xyz', 'q')).toThrow(/not found .* whitespace .* Unicode/);
  });

  it('refuses empty and no-op edits', () => {
    expect(() => applyEdit('abc', '', 'x')).toThrow(/empty/);
    expect(() => applyEdit('abc', 'abc', 'abc')).toThrow(/identical/);
  });
});
