import type { SpaceLease } from '@ml-intern/sandbox';
import { LineReader } from './line-reader.js';
import { ScreenWriter, type TerminalOutput } from './screen-writer.js';
import { createTerminalStyle, shouldUseColor } from './terminal-style.js';

/**
 * Before an interactive session: sandbox Spaces an earlier run on this machine left behind (it
 * crashed or was killed) still bill by the hour. Ask once whether to delete them; on no terminal
 * they are deleted without asking, as in unattended runs.
 */
export function orphanSandboxPrompt(options: { input: NodeJS.ReadableStream & { isTTY?: boolean }; output: TerminalOutput; env: Record<string, string | undefined> }): (orphans: SpaceLease[]) => Promise<boolean> {
  return async (orphans) => {
    if (options.input.isTTY !== true || options.output.isTTY !== true) return true;
    const writer = new ScreenWriter(options.output);
    const style = createTerminalStyle(shouldUseColor(options.output, options.env));
    const controller = new AbortController();
    const reader = new LineReader({ input: options.input, writer, terminal: true, historySize: 0, onInterrupt: () => controller.abort() });
    try {
      writer.ensureBlankLine();
      const one = orphans.length === 1;
      writer.line(style.yellow(`An earlier run left ${one ? 'a sandbox Space' : `${orphans.length} sandbox Spaces`} behind (billed while ${one ? 'it exists' : 'they exist'}):`));
      for (const lease of orphans) writer.line(`  ${lease.repoId}  ${lease.hardware}${lease.hourlyUsd ? ` at $${lease.hourlyUsd.toFixed(2)}/h` : ''}, created ${lease.createdAt}`);
      const answer = await reader.read('Delete now? [Y/n]: ', { remember: false, signal: controller.signal });
      return answer === undefined ? false : !/^(n|no)$/i.test(answer.trim());
    } finally {
      reader.close();
      writer.dispose();
    }
  };
}
