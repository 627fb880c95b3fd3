import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Size of a browser bundle of `code` (esbuild, minified, ESM), raw and gzip -9; `external` stays out. */
export async function bundleSize(code: string, external: string[] = []): Promise<{ min: number; gzip: number }> {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    external,
  });
  const bytes = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** Bytes as KiB with two decimals. */
export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KiB`;
