import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { InterruptedError, UsageError } from './errors.js';
import type { PromptOptions } from './io.js';

/** A prompt on a terminal (or a pipe): one line per question. */
export interface LinePrompt {
  /** Asks `question` on the output and resolves to the next line of input. */
  ask(question: string, options: PromptOptions): Promise<string>;
  /** Lets go of the input (a terminal leaves raw mode); a question pending rejects. */
  close(): void;
}

interface Waiter {
  readonly resolve: (line: string) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A prompt over readline, opened on the first question (a command that asks nothing never touches
 * stdin). On a terminal, a question with `echo: false` mutes what readline echoes, so a secret never
 * shows; on a pipe each question reads the next line. Ctrl-C rejects with {@link InterruptedError};
 * the end of the input with {@link UsageError}.
 */
export function createLinePrompt(input: NodeJS.ReadableStream & { readonly isTTY?: boolean }, output: NodeJS.WritableStream): LinePrompt {
  let muted = false;
  const echo = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      if (!muted) output.write(chunk);
      done();
    },
  });
  const terminal = input.isTTY === true;
  const lines: string[] = [];
  let waiter: Waiter | undefined;
  let ended: Error | undefined;
  let readline: Interface | undefined;

  const fail = (error: Error) => {
    ended ??= error;
    waiter?.reject(ended);
    waiter = undefined;
  };
  const open = (): Interface => {
    if (readline !== undefined) return readline;
    readline = createInterface({ input, output: echo, terminal });
    readline.on('line', (line: string) => {
      if (waiter === undefined) lines.push(line);
      else waiter.resolve(line);
      waiter = undefined;
    });
    readline.on('SIGINT', () => {
      fail(new InterruptedError('interrupted at the prompt'));
      readline?.close();
    });
    readline.on('close', () =>
      fail(new UsageError('the input ended before an answer was typed; set C2M_CLIENT_SECRET or run in a terminal')),
    );
    return readline;
  };

  return {
    async ask(question, options) {
      const prompt = open();
      const next = lines.shift();
      if (next === undefined && ended !== undefined) throw ended;
      muted = !options.echo;
      if (muted) output.write(question);
      else {
        prompt.setPrompt(question);
        prompt.prompt();
      }
      try {
        return next ?? (await new Promise<string>((resolve, reject) => (waiter = { resolve, reject })));
      } finally {
        // The line break readline echoes is muted with the rest, and a pipe echoes nothing.
        if (!options.echo || !terminal) output.write('\n');
      }
    },
    close() {
      readline?.close();
    },
  };
}
