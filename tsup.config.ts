import { defineConfig } from 'tsup';

const entry = { index: 'src/index.ts' };

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
    external: ['ky', 'zod'],
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
    external: ['zod'],
  },
]);
