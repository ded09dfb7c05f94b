import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { ScriptedModel, textTurn, toolTurn } from './scripted-model.js';
import { createSession } from './session.js';
import { defineTool } from './tool.js';
import { ToolRouter } from './tool-router.js';

const tool = (name: string, output = name) => defineTool({ name, description: `the ${name} tool`, inputSchema: z.object({}), execute: () => output });

describe('ToolRouter.replace', () => {
  it('swaps one group of tools for another and leaves the rest', () => {
    const router = new ToolRouter([tool('read'), tool('srv__a'), tool('srv__b')]);
    router.replace(['srv__a', 'srv__b'], [tool('srv__b', 'new b'), tool('srv__c')]);
    expect(router.list().map((entry) => entry.name)).toEqual(['read', 'srv__b', 'srv__c']);
    expect(router.get('srv__a')).toBeUndefined();
  });

  it('changes nothing when a new tool would take a name outside the group', () => {
    const router = new ToolRouter([tool('read'), tool('srv__a')]);
    expect(() => router.replace(['srv__a'], [tool('srv__z'), tool('read')])).toThrow(ConfigError);
    expect(router.list().map((entry) => entry.name)).toEqual(['read', 'srv__a']);
  });

  it('a session offers the new set from its next model request once the prompt is rendered again', async () => {
    const model = new ScriptedModel({ turns: [textTurn('first'), toolTurn({ name: 'srv__c', arguments: {} }), textTurn('done')] });
    const session = createSession({ model, tools: [tool('srv__a')], planTool: false });
    await session.run('one');
    session.router.replace(['srv__a'], [tool('srv__c', 'from c')]);
    session.refreshSystemPrompt();
    const outcome = await session.run('two');
    await session.close();
    expect(model.requests.map((request) => request.tools.map((spec) => spec.name))).toEqual([['srv__a'], ['srv__c'], ['srv__c']]);
    expect(outcome.text).toBe('done');
    expect(JSON.stringify(session.history.messages)).toContain('from c');
  });
});
