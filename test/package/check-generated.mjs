// Fails when generated/schema.d.ts is not exactly what openapi-typescript writes from openapi.yaml now.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'c2m-generated-'));
try {
  const out = join(dir, 'schema.d.ts');
  execFileSync(process.execPath, [join(root, 'node_modules/openapi-typescript/bin/cli.js'), join(root, 'openapi.yaml'), '-o', out], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const fresh = readFileSync(out, 'utf8');
  const committed = readFileSync(join(root, 'generated/schema.d.ts'), 'utf8');
  if (fresh !== committed) {
    console.error('generated/schema.d.ts differs from openapi.yaml: run `npm run generate` and commit the result.');
    process.exitCode = 1;
  } else {
    console.log('generated: generated/schema.d.ts matches openapi.yaml');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
