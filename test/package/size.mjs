// Prints, and enforces, the min+gzip size of a browser bundle of the public entry with ky and zod inside.

import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
const budgets = [{ name: 'AuthApi', code: "import { AuthApi } from './dist/index.js'; globalThis.api = AuthApi;", maxBytes: 12 * 1024 }];

let failed = false;
for (const { name, code, maxBytes } of budgets) {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0].contents;
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  const ok = gzipped <= maxBytes;
  failed ||= !ok;
  console.log(
    `size: ${name}: ${bytes.length} B min, ${gzipped} B min+gzip (${(gzipped / 1024).toFixed(2)} KiB; budget ${maxBytes / 1024} KiB) ${ok ? 'ok' : 'OVER BUDGET'}`,
  );
}
process.exitCode = failed ? 1 : 0;
