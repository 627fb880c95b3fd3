import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InterruptedError, UsageError } from '../../src/cli/errors.js';
import { createLinePrompt } from '../../src/cli/prompt.js';

function streams(isTTY: boolean) {
  const input = Object.assign(new PassThrough(), { isTTY });
  const output = new PassThrough();
  let shown = '';
  output.setEncoding('utf8').on('data', (chunk: string) => {
    shown += chunk;
  });
  return { input, output, shown: () => shown };
}

describe('the prompt on a pipe', () => {
  it('reads one line per question, lines piped ahead of time included', async () => {
    const { input, output, shown } = streams(false);
    const prompt = createLinePrompt(input, output);
    input.write('https://api.test/v1\nc2m_abc123\nsupersecret123\n');
    expect(await prompt.ask('Base URL: ', { echo: true })).toBe('https://api.test/v1');
    expect(await prompt.ask('Client id: ', { echo: true })).toBe('c2m_abc123');
    expect(await prompt.ask('Client secret: ', { echo: false })).toBe('supersecret123');
    prompt.close();
    expect(shown()).toBe('Base URL: \nClient id: \nClient secret: \n');
  });

  it('rejects with a UsageError when the input ends, and again on the next question', async () => {
    const { input, output } = streams(false);
    const prompt = createLinePrompt(input, output);
    const pending = prompt.ask('Client secret: ', { echo: false });
    input.end();
    const ended = new UsageError('the input ended before an answer was typed; set C2M_CLIENT_SECRET or run in a terminal');
    await expect(pending).rejects.toEqual(ended);
    await expect(prompt.ask('again: ', { echo: true })).rejects.toEqual(ended);
  });

  it('lets go of the input on close, rejecting a question still pending', async () => {
    const { input, output } = streams(false);
    const prompt = createLinePrompt(input, output);
    prompt.close();
    const pending = prompt.ask('Client id: ', { echo: true });
    prompt.close();
    await expect(pending).rejects.toBeInstanceOf(UsageError);
  });
});

describe('the prompt on a terminal', () => {
  it('shows the question but not what is typed when echo is off, and what is typed when on', async () => {
    const { input, output, shown } = streams(true);
    const prompt = createLinePrompt(input, output);
    const secret = prompt.ask('Client secret: ', { echo: false });
    input.write('supersecret123\r');
    expect(await secret).toBe('supersecret123');
    expect(shown()).toBe('Client secret: \n');
    const id = prompt.ask('Client id: ', { echo: true });
    input.write('c2m\r');
    expect(await id).toBe('c2m');
    prompt.close();
    // readline draws the echoed question at column 1 and the typed text after it, then the Enter.
    expect(shown()).toBe('Client secret: \n\u001b[1G\u001b[0JClient id: \u001b[12Gc2m\r\n');
  });

  it('rejects with an InterruptedError on Ctrl-C', async () => {
    const { input, output, shown } = streams(true);
    const prompt = createLinePrompt(input, output);
    const pending = prompt.ask('One-time code: ', { echo: false });
    input.write('123');
    input.write('\u0003');
    await expect(pending).rejects.toEqual(new InterruptedError('interrupted at the prompt'));
    // The terminal is let go of (readline closed: the input paused), so the process can end.
    expect(input.isPaused()).toBe(true);
    await expect(prompt.ask('again: ', { echo: false })).rejects.toBeInstanceOf(InterruptedError);
    expect(shown()).not.toContain('123');
  });
});
