import packageJson from '../../package.json' with { type: 'json' };
import { FileTokenStore } from '../node/FileTokenStore.js';
import { COMMANDS, type CommandLine, parseCommandLine } from './args.js';
import { login } from './commands/login.js';
import { revoke, revokeWhat } from './commands/revoke.js';
import { status } from './commands/status.js';
import { token } from './commands/token.js';
import type { CommandContext } from './context.js';
import { EXIT, failureOf } from './errors.js';
import { profilesFilePath, storeKeyOf, tokenFilePath } from './files.js';
import { helpOf } from './help.js';
import type { CliIo } from './io.js';

export type { CliIo, PromptOptions } from './io.js';

function contextOf(line: CommandLine, io: CliIo): CommandContext {
  const tokenFile = tokenFilePath(line.string('store'), io.env);
  const json = line.flag('json');
  return {
    io,
    line,
    profile: line.profile,
    tokenFile,
    profilesFile: profilesFilePath(tokenFile),
    store: new FileTokenStore(tokenFile),
    key: storeKeyOf(line.profile),
    print: (text, object) => io.stdout(json ? `${JSON.stringify(object)}\n` : text),
  };
}

async function run(line: CommandLine, io: CliIo): Promise<void> {
  const { command } = line;
  if (line.flag('version')) return io.stdout(`${packageJson.version}\n`);
  if (command === undefined || line.flag('help')) return io.stdout(helpOf(command));
  const context = contextOf(line, io);
  if (command === 'login') return login(context);
  if (command === 'token') return token(context);
  if (command === 'status') return status(context);
  // logout takes none of --short, --long and --all: it is revoke --all.
  return revoke(context, revokeWhat(context));
}

/**
 * The `c2m-auth` command line: runs `argv` (the arguments after the script) and resolves to the exit
 * code; it never throws. A failure is one line on `io.stderr`, `c2m-auth: <ErrorClass>: <message>;
 * <what to do>`, with exit code 2 (usage), 3 (not logged in or expired), 4 (the server refused),
 * 5 (network or timeout) or 1 (anything else). No token or secret is ever in that line.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), io)
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let line: CommandLine | undefined;
  try {
    line = parseCommandLine(argv);
    await run(line, io);
    return EXIT.ok;
  } catch (error) {
    // A command line that did not parse still names its command for the advice, when it has one.
    const command = line?.command ?? COMMANDS.find((name) => argv.includes(name));
    const failure = failureOf(error, { command, profile: line?.profile });
    io.stderr(failure.line);
    return failure.exitCode;
  }
}
