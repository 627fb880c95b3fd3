import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { NO_CHROMIUM } from './test/support/skip-reasons.js';

// The browser suite runs in the machine's Chromium (CHROMIUM_PATH when set, else Debian's
// /usr/bin/chromium); nothing here ever downloads a browser. Without one it is skipped, its tests
// counted under "no Chromium" in the run's closing lines, unless REQUIRE_BROWSER=1, which makes that an error.
const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const chromium = candidates.find((path) => existsSync(path));
if (chromium === undefined && process.env.REQUIRE_BROWSER === '1')
  throw new Error(`REQUIRE_BROWSER=1: no Chromium at ${candidates.join(' or ')} (set CHROMIUM_PATH, or apt-get install chromium).`);

// Lines about the tools, not this project, kept out of the output: vitest's notice, on every run that
// type-checks (test/types), that type testing is experimental; and the progress lines of Vite's
// dependency optimizer for the browser suite, which @vitest/browser logs at "info" whatever the config
// says. A write is dropped only when each of its lines is one of these; nothing else is touched.
const TOOL_NOTICES = [
  /^Testing types with tsc and vue-tsc is an experimental feature\.$/,
  /^Breaking changes might not follow SemVer, please pin Vitest's version when using it\.$/,
  /\[vite\] \(client\) (?:\[optimizer\] \w+ dependencies\.\.\.|Re-optimizing dependencies because [\w ]+)$/,
];
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes start with ESC
const COLOURS = /\u001b\[[0-9;]*m/g;
const isToolNotice = (chunk: unknown): boolean => {
  if (typeof chunk !== 'string') return false;
  const lines = chunk
    .replace(COLOURS, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.length > 0 && lines.every((line) => TOOL_NOTICES.some((notice) => notice.test(line)));
};
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    isToolNotice(chunk) ? true : write(chunk, ...rest)) as typeof stream.write;
}

const node: TestProjectInlineConfiguration = {
  extends: true,
  test: {
    name: 'node',
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**'],
    environment: 'node',
    setupFiles: ['./test/support/secret-sweep.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
};

const browser: TestProjectInlineConfiguration = {
  extends: true,
  test: {
    name: 'browser',
    include: ['test/browser/**/*.test.ts'],
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: chromium ?? '',
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
};

// Without Chromium, the browser suite is only collected, in Node (msw/browser, which cannot load there,
// replaced by an inert stand-in), by a runner under which none of its tests or hooks runs: each test is
// reported skipped, with the reason this project provides.
const browserSkipped: TestProjectInlineConfiguration = {
  extends: true,
  resolve: { alias: { 'msw/browser': fileURLToPath(new URL('./test/browser/without-chromium.ts', import.meta.url)) } },
  test: {
    name: 'browser',
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    runner: './test/support/collect-only-runner.ts',
    provide: { skipReason: NO_CHROMIUM },
  },
};

export default defineConfig({
  test: {
    reporters: ['./test/support/reporter.ts'],
    restoreMocks: true,
    unstubGlobals: true,
    // What a passing test prints (figures, child processes' lines) is not shown; a failing test's is.
    // TEST_LOGS=1 shows it all.
    silent: process.env.TEST_LOGS === '1' ? false : 'passed-only',
    // The suites start real processes, servers and a browser: tests of several seconds are by design,
    // and each file's line shows its time. A test is listed on its own when it takes over 30 s.
    slowTestThreshold: 30_000,
    projects: chromium === undefined ? [node, browserSkipped] : [node, browser],
  },
});
