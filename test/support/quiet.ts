// `tsx test/support/quiet.ts <label> <pass line> <command> [args...]`: runs a check whose report is
// pages long when all is well (attw's tables, publint's progress lines) and prints one line instead:
// `<label>: <pass line>`, when the command succeeds and printed that line. Anything else, a failure or a
// success that printed no pass line (a suggestion, say), prints the command's whole output, and a
// failure exits with the command's code.
import { spawn } from 'node:child_process';

/** A line without its colour codes and surrounding blanks. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes start with ESC
const plain = (line: string): string => line.replace(/\u001b\[[0-9;]*m/g, '').trim();

const [label, passLine, command, ...args] = process.argv.slice(2);
if (label === undefined || passLine === undefined || command === undefined) {
  console.error('usage: tsx test/support/quiet.ts <label> <pass line> <command> [args...]');
  process.exit(2);
}

const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
const output: { stream: NodeJS.WriteStream; chunk: Buffer }[] = [];
child.stdout.on('data', (chunk: Buffer) => output.push({ stream: process.stdout, chunk }));
child.stderr.on('data', (chunk: Buffer) => output.push({ stream: process.stderr, chunk }));
child.once('error', (error) => {
  console.error(`${label}: could not run ${command}: ${error.message}`);
  process.exit(1);
});
child.once('close', (code, signal) => {
  const text = Buffer.concat(output.map(({ chunk }) => chunk)).toString('utf8');
  const found = text
    .split('\n')
    .map(plain)
    .find((line) => line.startsWith(passLine));
  if (code === 0 && found !== undefined) {
    console.log(`${label}: ${found}`);
    return;
  }
  for (const { stream, chunk } of output) stream.write(chunk);
  if (code !== 0) {
    console.error(`${label}: ${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`);
    process.exitCode = code ?? 1;
  }
});
