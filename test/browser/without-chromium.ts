// Stands in for msw/browser when the machine has no Chromium (see vitest.config.ts): the browser suite
// is then loaded in Node only to be collected, so the run counts its tests as skipped ("no Chromium").
// None of its tests or hooks runs, so this worker is never started; msw/browser itself cannot load in Node.
export function setupWorker(): { start(): Promise<never>; stop(): void } {
  const refuse = (): never => {
    throw new Error('without-chromium: the browser suite cannot run without Chromium');
  };
  return { start: async () => refuse(), stop: refuse };
}
