import { describe, expect, it } from 'vitest';
import { createSession } from './session.js';
import { ScriptedModel, textTurn } from './scripted-model.js';

describe('Session.refreshSystemPrompt', () => {
  it('renders a systemPrompt function again for the next model call, keeping the history', async () => {
    let notes = 'v1';
    const model = new ScriptedModel({ turns: [textTurn('a'), textTurn('b')] });
    const session = createSession({ model, systemPrompt: () => `system ${notes}` });
    await session.run('one');
    notes = 'v2';
    session.refreshSystemPrompt();
    await session.run('two');
    await session.close();
    expect(model.requests.map((request) => request.system)).toEqual(['system v1', 'system v2']);
    expect(session.history.messages.filter((message) => message.role === 'user')).toHaveLength(2);
  });
});
