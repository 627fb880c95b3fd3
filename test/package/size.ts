// Prints the min+gzip size of browser bundles (esbuild, minified, gzip -9) of the public entry with ky
// and zod inside, beside their parts, and enforces the ceilings. See README "Size" for the figures.
import { bundleSize, kib } from './bundle-size.js';

const KIB = 1024;

// The parts, for the record: what ky and zod cost before any SDK code.
const parts = {
  'ky alone': "import ky from 'ky'; globalThis.x = ky;",
  'zod/mini with the five contract schemas': "import * as s from './src/schemas.ts'; globalThis.x = s;",
  'ky + the five schemas': "import ky from 'ky'; import * as s from './src/schemas.ts'; globalThis.x = [ky, s];",
};
for (const [name, code] of Object.entries(parts)) {
  const { gzip } = await bundleSize(code);
  console.log(`size: ${name}: ${gzip} B (${kib(gzip)})`);
}

// ceilingBytes is enforced; targetBytes is the budget the issues asked for (see README "Size").
const entries = [
  {
    name: "import { AuthApi } from 'c2m-auth'",
    code: "import { AuthApi } from './dist/index.js'; globalThis.x = AuthApi;",
    ceilingBytes: 16 * KIB,
    targetBytes: 12 * KIB,
  },
  {
    name: "import { AuthApi, AuthSession } from 'c2m-auth'",
    code: "import { AuthApi, AuthSession } from './dist/index.js'; globalThis.x = [AuthApi, AuthSession];",
    // 19.2 KiB before the fleet protocol (coordinator, long/short token modules, store timeouts and
    // compare-and-set), which adds 1.7 KiB against its 1 KiB budget: see README "Size".
    ceilingBytes: 21 * KIB,
    targetBytes: 15 * KIB,
  },
];
let failed = false;
for (const { name, code, ceilingBytes, targetBytes } of entries) {
  const { min, gzip } = await bundleSize(code);
  const withinCeiling = gzip <= ceilingBytes;
  failed ||= !withinCeiling;
  const target =
    gzip <= targetBytes ? `within the ${kib(targetBytes)} target` : `${kib(gzip - targetBytes)} over the ${kib(targetBytes)} target`;
  console.log(
    `size: ${name}: ${min} B min, ${gzip} B min+gzip (${kib(gzip)}); ceiling ${kib(ceilingBytes)} ${withinCeiling ? 'ok' : 'EXCEEDED'}; ${target}`,
  );
}
process.exitCode = failed ? 1 : 0;
