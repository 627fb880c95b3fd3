// In-process runs of main(): a fake io (its output collected, its prompt answered from a list), a
// fresh XDG_CONFIG_HOME per test, and the testing kit behind msw (test/support/kit.ts).
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { InterruptedError, UsageError } from '../../src/cli/errors.js';
import { type CliIo, main } from '../../src/cli/main.js';
import { useAuthMock } from '../support/kit.js';
import { BASE_URL, useMsw } from '../support/msw.js';

export { BASE_URL };

/** What a run printed and asked. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly prompts: readonly { readonly question: string; readonly echo: boolean }[];
}

/** A record of the token file, as JSON. */
export type StoredRecord = { readonly shortToken?: { readonly expiresAtMs: number }; readonly [field: string]: unknown };

/** Options of one run. */
export interface RunOptions {
  /** Environment besides XDG_CONFIG_HOME. */
  readonly env?: Record<string, string | undefined>;
  /** The prompt's answers, in order; a string 'EOF' or 'CTRL-C' ends it as the terminal would. */
  readonly answers?: readonly string[];
  /** The clock. */
  readonly now?: () => number;
}

/** The login every test needs: client c2m_abc123 with its secret, against the kit. */
export const LOGIN = ['login', '--base-url', BASE_URL, '--client-id', 'c2m_abc123'] as const;
export const SECRET_ENV = { C2M_CLIENT_SECRET: 'supersecret123' } as const;

/** msw with the kit, a temporary config folder, and `run(argv)`. */
export function useCli() {
  useMsw();
  const mock = useAuthMock();
  let dir = '';
  let fetches = 0;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c2m-auth-cli-'));
    fetches = 0;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const tokenFile = () => join(dir, 'c2m-auth', 'tokens.json');
  const profilesFile = () => join(dir, 'c2m-auth', 'profiles.json');
  return {
    mock,
    dir: () => dir,
    /** How many requests went through the io's fetch. */
    fetches: () => fetches,
    tokenFile,
    profilesFile,
    /** The token file as JSON. */
    records: async (): Promise<Record<string, StoredRecord>> => JSON.parse(await readFile(tokenFile(), 'utf8')).records,
    /** The mode of a file, as octal text. */
    modeOf: async (path: string) => ((await stat(path)).mode & 0o777).toString(8),
    async run(argv: readonly string[], options: RunOptions = {}): Promise<Run> {
      let stdout = '';
      let stderr = '';
      const prompts: { question: string; echo: boolean }[] = [];
      const answers = [...(options.answers ?? [])];
      const io: CliIo = {
        stdout: (text) => {
          stdout += text;
        },
        stderr: (text) => {
          stderr += text;
        },
        env: { XDG_CONFIG_HOME: dir, ...options.env },
        prompt: async (question, { echo }) => {
          prompts.push({ question, echo });
          const answer = answers.shift();
          if (answer === 'CTRL-C') throw new InterruptedError('interrupted at the prompt');
          if (answer === undefined || answer === 'EOF') throw new UsageError('the input ended before an answer was typed');
          return answer;
        },
        now: options.now ?? (() => Date.now()),
        fetch: (input, init) => {
          fetches += 1;
          return globalThis.fetch(input, init);
        },
      };
      const code = await main(argv, io);
      return { code, stdout, stderr, prompts };
    },
  };
}
