import { defineConfig, type Options } from 'tsup';

const entry = {
  index: 'src/index.ts',
  'node/index': 'src/node/index.ts',
  'redis/index': 'src/redis/index.ts',
  'testing/index': 'src/testing/index.ts',
  'testing/node/index': 'src/testing/node/index.ts',
};
// Node built-ins are only ever imported by the Node-only entries (c2m-auth/node, c2m-auth/testing/node);
// msw is an optional peer dependency, imported only by the testing entries; redis is one too, though
// c2m-auth/redis only ever uses the client it is given.
const nodeBuiltins = [/^node:/];
const optionalPeers = ['msw', 'redis', /^@redis\//];

// The `c2m-auth` command (package.json "bin"): one ESM file for Node, with its shebang. A build of its
// own, so the library entries (and the browser bundle) never see it.
export const cliConfig: Options = {
  entry: { cli: 'src/cli/bin.ts' },
  format: 'esm',
  target: 'node20',
  platform: 'node',
  banner: { js: '#!/usr/bin/env node' },
  sourcemap: true,
  treeshake: true,
  external: ['ky', 'zod'],
};

export default defineConfig([
  {
    entry,
    format: 'esm',
    target: 'es2022',
    platform: 'neutral',
    dts: true,
    sourcemap: true,
    clean: true,
    treeshake: true,
    external: ['ky', 'zod', ...optionalPeers, ...nodeBuiltins],
  },
  {
    entry,
    format: 'cjs',
    target: 'es2022',
    platform: 'neutral',
    dts: true,
    sourcemap: true,
    treeshake: true,
    // Shared chunks, as in the ESM build: one AuthSdkError class for every entry, so instanceof holds
    // across c2m-auth, c2m-auth/node and c2m-auth/redis.
    splitting: true,
    // ky 1 is ESM-only: require('ky') from a CJS build crashes at run time, so the CJS build carries it.
    noExternal: ['ky'],
    external: ['zod', ...optionalPeers, ...nodeBuiltins],
  },
  cliConfig,
]);
