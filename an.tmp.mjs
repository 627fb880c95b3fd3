import { analyzeMetafile, build } from 'esbuild';

const r = await build({
  stdin: { contents: process.argv[2], resolveDir: '/work/main', loader: 'js' },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  metafile: true,
  logLevel: 'silent',
});
console.log(await analyzeMetafile(r.metafile));
const { gzipSync } = await import('node:zlib');
console.log('gz', gzipSync(r.outputFiles[0].contents, { level: 9 }).length);
