import { VitestTestRunner } from 'vitest/runners';

/**
 * The runner of a project whose tests cannot run on this machine (see vitest.config.ts): its files are
 * collected, but no test name matches, so every test is reported skipped and none of its tests or hooks
 * runs. The reason is the `skipReason` the project provides (see test/support/skip-reasons.ts).
 */
export default class CollectOnlyRunner extends VitestTestRunner {
  constructor(config: ConstructorParameters<typeof VitestTestRunner>[0]) {
    super({ ...config, testNamePattern: /(?!)/ });
  }
}
