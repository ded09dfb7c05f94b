import { describe, expect, it } from 'vitest';
import { SLACK_BLOCK_LIMIT, SLACK_SECTION_TEXT_LIMIT, SLACK_TEXT_LIMIT, formatSlackMessage } from './slack-message.js';
import { splitMrkdwn } from './split-mrkdwn.js';

const metadata = { session_id: 's-1', model: 'anthropic/claude-opus-4-6', event_type: 'turn_complete' };

function sectionTexts(blocks: ReturnType<typeof formatSlackMessage>['blocks']): string[] {
  return blocks.flatMap((block) => (block.type === 'section' ? [block.text.text] : []));
}

describe('formatSlackMessage', () => {
  it('tags the title with the severity and lists the metadata', () => {
    const message = formatSlackMessage({ title: 'Turn complete', message: 'All **done**.', severity: 'success', metadata });
    expect(message.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: ':white_check_mark: *[SUCCESS] Turn complete*' } });
    expect(message.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'All *done*.' } });
    expect(message.blocks[2]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'session_id: `s-1`  ·  model: `anthropic/claude-opus-4-6`  ·  event_type: `turn_complete`' }],
    });
    expect(message.text).toBe(
      ':white_check_mark: *[SUCCESS] Turn complete*\nAll *done*.\nsession_id: `s-1`  ·  model: `anthropic/claude-opus-4-6`  ·  event_type: `turn_complete`',
    );
  });

  it('escapes the title and strips asterisks that would end the bold', () => {
    const message = formatSlackMessage({ title: 'a <b> & *c*', message: 'x', severity: 'error', metadata: {} });
    expect(sectionTexts(message.blocks)[0]).toBe(':x: *[ERROR] a &lt;b&gt; &amp; c*');
  });

  it('splits a long body into sections under 3,000 characters and keeps everything', () => {
    const paragraph = 'word '.repeat(150).trim();
    const body = Array.from({ length: 30 }, (_, index) => `${index}: ${paragraph}`).join('\n\n');
    const message = formatSlackMessage({ message: body, severity: 'info', metadata });
    const sections = sectionTexts(message.blocks).slice(1);
    expect(sections.length).toBeGreaterThan(5);
    for (const text of sections) expect(text.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_LIMIT);
    expect(sections.join('\n').replace(/\s+/g, ' ')).toBe(body.replace(/\s+/g, ' '));
  });

  it('caps a huge body under the 40,000-character and 50-block limits and says so', () => {
    const body = 'x'.repeat(250_000);
    const message = formatSlackMessage({ title: 'Huge', message: body, severity: 'info', metadata });
    expect(message.text.length).toBeLessThanOrEqual(SLACK_TEXT_LIMIT);
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_BLOCK_LIMIT);
    for (const text of sectionTexts(message.blocks)) expect(text.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_LIMIT);
    expect(message.text).toMatch(/more characters not shown/);
  });

  it('uses a default title when none is given and skips an empty body', () => {
    const message = formatSlackMessage({ message: '   ', severity: 'warning', metadata: {} });
    expect(message.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: ':warning: *[WARNING] ml-intern needs attention*' } }]);
  });
});

describe('splitMrkdwn', () => {
  it('closes and reopens a code block cut between chunks', () => {
    const code = Array.from({ length: 120 }, (_, index) => `line ${index} ${'y'.repeat(40)}`).join('\n');
    const chunks = splitMrkdwn(`intro\n\`\`\`\n${code}\n\`\`\`\nafter`, 3_000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(3_000);
      expect(chunk.split('```').length % 2).toBe(1);
    }
    expect(chunks.at(-1)).toMatch(/after$/);
  });

  it.each([
    ['an entity', `${'a'.repeat(2_990)}&amp; tail`, '&amp; tail'],
    ['a link', `${'a'.repeat(2_980)}<https://x.io/page|link> tail`, '<https://x.io/page|link> tail'],
  ])('cuts a single long line without breaking %s', (_name, line, second) => {
    const chunks = splitMrkdwn(line, 3_000);
    expect(chunks.join('')).toBe(line);
    expect(chunks[0]).toMatch(/a$/);
    expect(chunks[1]).toBe(second);
  });
});
