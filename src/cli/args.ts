import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** The commands, in the order `--help` lists them. */
export const COMMANDS = ['login', 'token', 'status', 'revoke', 'logout'] as const;

/** A command's name. */
export type CommandName = (typeof COMMANDS)[number];

type OptionType = 'string' | 'boolean';

/** Options every command takes. */
const COMMON: Readonly<Record<string, OptionType>> = {
  profile: 'string',
  store: 'string',
  json: 'boolean',
  help: 'boolean',
  version: 'boolean',
};

/** Each command's own options. */
const OWN: Readonly<Record<CommandName, Readonly<Record<string, OptionType>>>> = {
  login: {
    'base-url': 'string',
    'client-id': 'string',
    otp: 'boolean',
    'assertion-file': 'string',
    'assertion-type': 'string',
    scopes: 'string',
    ttl: 'string',
  },
  token: { scopes: 'string' },
  status: {},
  revoke: { short: 'boolean', long: 'boolean', all: 'boolean' },
  logout: {},
};

/** A secret on the command line lands in shell history and in the process list: these are refused. */
const SECRET_OPTIONS = new Set(['client-secret', 'otp-code']);

/** The command line, checked: the command, and the options it was given. */
export interface CommandLine {
  /** The command, or undefined for `c2m-auth`, `c2m-auth --help`, `c2m-auth --version`. */
  readonly command: CommandName | undefined;
  /** The profile (`--profile`), `default` when not given. */
  readonly profile: string;
  /** The value of a string option, or undefined when it was not given. */
  string(name: string): string | undefined;
  /** Whether a boolean option was given. */
  flag(name: string): boolean;
}

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function optionsOf(command: CommandName | undefined): Readonly<Record<string, OptionType>> {
  return command === undefined ? COMMON : { ...COMMON, ...OWN[command] };
}

/**
 * Parses `argv` (without `node` and the script) with `util.parseArgs`. Messages name options, never
 * what was typed: a misplaced secret is not echoed to the terminal or a log.
 * @throws {@link UsageError} for an unknown command or option, a missing or unexpected value, a
 * secret given as a flag, or a bad profile name.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const every: Record<string, { type: OptionType; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const options of [COMMON, ...Object.values(OWN)])
    for (const [name, type] of Object.entries(options)) if (name !== 'help') every[name] = { type };
  const { tokens } = parseArgs({ args: [...argv], options: every, strict: false, allowPositionals: true, tokens: true });
  const positionals = tokens.flatMap((token) => (token.kind === 'positional' ? [token.value] : []));
  const first = positionals[0];
  if (first !== undefined && !(COMMANDS as readonly string[]).includes(first))
    throw new UsageError(`unknown command; the commands are ${COMMANDS.join(', ')}`);
  const command = first as CommandName | undefined;
  const allowed = optionsOf(command);
  const strings = new Map<string, string>();
  const flags = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (SECRET_OPTIONS.has(token.name))
      throw new UsageError(
        `${token.rawName} is refused: a secret given as a flag lands in shell history and the process list; set C2M_CLIENT_SECRET, or type it at the prompt`,
      );
    const type = Object.hasOwn(allowed, token.name) ? allowed[token.name] : undefined;
    if (type === undefined) throw new UsageError(`unknown option ${token.rawName}${command === undefined ? '' : ` for ${command}`}`);
    if (type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
      flags.add(token.name);
    } else {
      if (token.value === undefined || token.value === '') throw new UsageError(`${token.rawName} needs a value`);
      strings.set(token.name, token.value);
    }
  }
  if (positionals.length > 1) throw new UsageError(`${command} takes no arguments besides its options`);
  const profile = strings.get('profile') ?? 'default';
  if (!PROFILE_NAME.test(profile))
    throw new UsageError('--profile must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or a digit');
  return { command, profile, string: (name) => strings.get(name), flag: (name) => flags.has(name) };
}

const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/**
 * `--ttl`: a whole number with a unit (`s`, `m`, `h`, `d`; none is seconds) to `ttl_seconds`, within
 * the contract's bounds, 1 hour to 90 days.
 * @throws {@link UsageError} for anything else.
 * @example parseTtl('30d') // 2592000
 */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text);
  const seconds = match === null ? Number.NaN : Number(match[1]) * (SECONDS_PER_UNIT[match[2] || 's'] as number);
  if (!(seconds >= 3_600 && seconds <= 7_776_000))
    throw new UsageError('--ttl must be a duration from 1h to 90d (3600 to 7776000 seconds), such as 30d, 12h or 86400s');
  return seconds;
}

/**
 * `--scopes a,b`: the scopes, each trimmed.
 * @throws {@link UsageError} when one is empty.
 */
export function parseScopes(text: string): string[] {
  const scopes = text.split(',').map((scope) => scope.trim());
  if (scopes.includes('')) throw new UsageError('--scopes must be scopes separated by commas, such as jobs:submit,templates:read');
  return scopes;
}
