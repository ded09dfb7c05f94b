import type { SpaceLease } from '@ml-intern/sandbox';
import type { TerminalOutput } from './screen-writer.js';
import { openTerminalQuestion } from './terminal-question.js';

/**
 * Before an interactive session: sandbox Spaces an earlier run on this machine left behind (it
 * crashed or was killed) still bill by the hour. Ask once whether to delete them; on no terminal
 * they are deleted without asking, as in unattended runs.
 */
export function orphanSandboxPrompt(options: { input: NodeJS.ReadableStream & { isTTY?: boolean }; output: TerminalOutput; env: Record<string, string | undefined> }): (orphans: SpaceLease[]) => Promise<boolean> {
  return async (orphans) => {
    if (options.input.isTTY !== true || options.output.isTTY !== true) return true;
    const question = openTerminalQuestion(options);
    const { writer, style } = question;
    try {
      writer.ensureBlankLine();
      const one = orphans.length === 1;
      writer.line(style.yellow(`An earlier run left ${one ? 'a sandbox Space' : `${orphans.length} sandbox Spaces`} behind (billed while ${one ? 'it exists' : 'they exist'}):`));
      for (const lease of orphans) writer.line(`  ${lease.repoId}  ${lease.hardware}${lease.hourlyUsd ? ` at $${lease.hourlyUsd.toFixed(2)}/h` : ''}, created ${lease.createdAt}`);
      const answer = await question.ask('Delete now? [Y/n]: ');
      return answer === undefined ? false : !/^(n|no)$/i.test(answer.trim());
    } finally {
      question.close();
    }
  };
}
