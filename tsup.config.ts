import { defineConfig } from 'tsup';

const entry = { index: 'src/index.ts', 'node/index': 'src/node/index.ts' };
// Node built-ins are only ever imported by the Node-only entry (c2m-auth/node).
const nodeBuiltins = [/^node:/];

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
    external: ['ky', 'zod', ...nodeBuiltins],
  },
  {
    entry,
    format: 'cjs',
    target: 'es2022',
    platform: 'neutral',
    dts: true,
    sourcemap: true,
    treeshake: true,
    // ky 1 is ESM-only: require('ky') from a CJS build crashes at run time, so the CJS build carries it.
    noExternal: ['ky'],
    external: ['zod', ...nodeBuiltins],
  },
]);
