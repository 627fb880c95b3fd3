// The `c2m-auth` executable (dist/cli.js, built with a `#!/usr/bin/env node` banner): wires the
// process to main() and sets the exit code. Everything it runs is main's, tested in-process; this
// wiring is tested as a process (test/cli/cli.processes.test.ts), which mutation runs leave out.
// Stryker disable all
import { main } from './main.js';
import { nodeIo } from './node-io.js';

const io = nodeIo(process);
try {
  process.exitCode = await main(process.argv.slice(2), io);
} finally {
  io.close();
}
