// A complete agent in a few lines: one tool, a scripted model, one turn.
// Replace ScriptedModel with createAnthropicModel / createOpenAIModel to use a real model.
import { createSession, defineTool } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn } from '@ml-intern/core/testing';
import { z } from 'zod';

const datasetSize = defineTool({
  name: 'dataset_size',
  description: 'Number of rows in a dataset split',
  inputSchema: z.object({ dataset: z.string(), split: z.enum(['train', 'test']) }),
  readOnly: true,
  execute: ({ dataset, split }) => `${dataset} has ${split === 'train' ? 25_000 : 5_000} ${split} rows`,
});

const model = new ScriptedModel({
  turns: [toolTurn({ name: 'dataset_size', arguments: { dataset: 'imdb', split: 'train' } }), textTurn('imdb has 25,000 training rows.')],
});

const session = createSession({ model, tools: [datasetSize], systemPrompt: 'You are a helpful ML assistant.' });
session.subscribe((event) => {
  if (event.type === 'tool_call') console.log(`→ ${event.summary}`);
  if (event.type === 'tool_output') console.log(`  ${event.output}`);
});
const outcome = await session.run('How many training rows does imdb have?');
console.log(outcome.text);
await session.close();
if (outcome.text !== 'imdb has 25,000 training rows.') process.exit(1);
