import type { CliIo } from './io.js';
import { createLinePrompt } from './prompt.js';

/** The {@link CliIo} of a Node process, and `close()`, which lets go of stdin once the command is done. */
export function nodeIo(process: NodeJS.Process): CliIo & { close(): void } {
  const prompt = createLinePrompt(process.stdin, process.stderr);
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    prompt: (question, options) => prompt.ask(question, options),
    now: () => Date.now(),
    fetch: (input, init) => globalThis.fetch(input, init),
    close: () => prompt.close(),
  };
}
