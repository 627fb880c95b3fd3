// Builds the `c2m-auth` executable with the project's own tsup settings (tsup.config.ts's cliConfig)
// into a fresh folder under node_modules/.cache (so its `ky` and `zod` imports resolve), for the
// child-process tests: what they run is what `npm run build` ships as dist/cli.js.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { cliConfig } from '../../tsup.config.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the CLI; resolves to the path of cli.js and a function that removes the folder. */
export async function buildCli(): Promise<{ readonly cli: string; readonly remove: () => Promise<void> }> {
  // A fresh clone has no node_modules/.cache yet.
  const cache = join(root, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const outDir = await mkdtemp(join(cache, 'c2m-auth-cli-'));
  await build({ ...cliConfig, config: false, outDir, silent: true, sourcemap: false });
  return { cli: join(outDir, 'cli.js'), remove: () => rm(outDir, { recursive: true, force: true }) };
}
