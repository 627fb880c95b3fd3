// What `--help` tells a user is what the command line does: each command's help lists exactly the
// options it accepts, the exit-code table gives the codes the CLI exits with, and the whole text is
// pinned (test/cli/__snapshots__), so a change to it is a deliberate one.
import { describe, expect, it } from 'vitest';
import { COMMANDS, type CommandName, parseCommandLine } from '../../src/cli/args.js';
import { EXIT, UsageError } from '../../src/cli/errors.js';
import { helpOf } from '../../src/cli/help.js';

const COMMON = ['help', 'json', 'profile', 'store', 'version'];
const OWN: Record<CommandName, string[]> = {
  login: ['assertion-file', 'assertion-type', 'base-url', 'client-id', 'otp', 'scopes', 'ttl'],
  token: ['scopes'],
  status: [],
  revoke: ['all', 'long', 'short'],
  logout: [],
};
const EVERY = [...new Set([...COMMON, ...Object.values(OWN).flat()])];

/** The options a help text lists: `--name` starting an indented line (after `-h, ` for help; `--json:` is an output format). */
const documented = (help: string): string[] =>
  [...help.matchAll(/^ {2}(?:-h, )?--([a-z-]+)(?![\w:-])/gm)].map((match) => match[1] as string).sort();

/** Whether `command` accepts `--name` (given a value: a flag then refuses the value, an unknown option is unknown). */
function accepts(command: CommandName, name: string): boolean {
  try {
    parseCommandLine([command, `--${name}=x`]);
    return true;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return !error.message.startsWith('unknown option');
  }
}

describe('--help', () => {
  it.each(COMMANDS)('of %s lists exactly the options it accepts', (command) => {
    const expected = [...COMMON, ...OWN[command]].sort();
    expect(documented(helpOf(command))).toEqual(expected);
    expect(EVERY.filter((name) => accepts(command, name)).sort()).toEqual(expected);
  });

  it('of c2m-auth gives each command a usage line whose options it accepts, and lists the common options', () => {
    const overview = helpOf(undefined);
    const usage = [...overview.matchAll(/^ {2}c2m-auth (\w+) (.*)$/gm)];
    expect(usage.map((line) => line[1])).toEqual([...COMMANDS]);
    for (const [, command, rest] of usage) {
      const named = [...(rest ?? '').matchAll(/\[([^\]]*)\]/g)].flatMap((group) => group[1]?.match(/(?<=--)[a-z-]+/g) ?? []);
      expect(
        named.filter((name) => !OWN[command as CommandName].includes(name as string)),
        command,
      ).toEqual([]);
    }
    expect(usage.map((line) => [...(line[2] ?? '').matchAll(/\[[^\]]*\]/g)].join(' ').match(/--/g)?.length ?? 0)).toEqual([6, 1, 0, 3, 0]);
    expect(documented(overview)).toEqual([...COMMON].sort());
  });

  it('gives, in every help, the exit codes the command line exits with', () => {
    const codes = Object.values(EXIT).sort((a, b) => a - b);
    for (const command of [undefined, ...COMMANDS]) {
      const table = helpOf(command).split('Exit codes')[1] ?? '';
      expect([...table.matchAll(/^ +(\d+) {2}\S/gm)].map((match) => Number(match[1]))).toEqual(codes);
    }
  });

  it.each([undefined, ...COMMANDS])('of %s reads as pinned', (command) => {
    expect(helpOf(command)).toMatchSnapshot();
  });
});
