// The Stryker test runner of `npm run mutation` ("vitest-reuse"): Stryker's own vitest runner (9.6.x),
// except that the vitest worker thread, and the module graph it has loaded, is kept from one mutant
// run to the next. Measured on the full run: 23 min 02 s instead of 72 min 51 s (with the 2.5 s test
// timeout of vitest.mutation.config.ts), every mutant's status the same but for the 7 differences
// MUTATION.md lists and explains.
//
// Why: vitest 4's Pool (vitest/dist/chunks/cli-api.*.js, class Pool, schedule()) stops the worker at
// the end of every `ctx.start()`, so each mutant paid a fresh thread, the setup files, and importing
// the SDK, msw and the testing kit again (0.34 s before any test). Stryker's instrumented code
// switches ordinary mutants at run time (globalThis.__stryker__.activeMutant), so a loaded graph can
// serve many of them.
//
// How: vitest's custom-pool hook (`pool: { name, createPoolWorker }`, resolved into
// `config.poolRunner`, used by Pool.getPoolRunner). The pool worker wraps vitest's ThreadsPoolWorker
// and keeps one thread alive across vitest's PoolRunner instances:
//   - PoolRunner.start() sends "start": on a kept thread it is answered "started" here;
//   - PoolRunner.stop() sends "stop", then calls worker.stop(): on a kept thread it is answered
//     "stopped" here, and only that PoolRunner's listeners are detached;
//   - every "run" message carries the current serialized config (the worker would keep the one of its
//     "start"; Stryker sets testNamePattern per mutant).
// The worker itself imports the setup files and the test files again on every run (runBaseTests
// invalidates the test files, TestRunner.importFile the setup files), so every test runs again.
//
// A static mutant (code run when a module loads; Stryker asks for `reloadEnvironment`) does not get a
// fresh thread: the prelude below drops every module the thread's module runner evaluated (the SDK,
// the tests and their helpers; not node_modules such as msw, zod and ky, which the vite runner leaves
// to Node), as vitest's resetModules does, so the graph is evaluated again with the mutant active.
// A fresh thread is started after the dry run, after a run that ended in an error or in a test that
// timed out (its abandoned work may still be running), and every MAX_RUNS runs (what test code leaks
// stays bounded). Stryker restarts the whole runner process after a mutant times out.
//
// `MUTATION_RUNNER=vitest npm run mutation` uses Stryker's own runner instead (stryker.config.mjs).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { INSTRUMENTER_CONSTANTS } from '@stryker-mutator/api/core';
import { commonTokens, declareFactoryPlugin, PluginKind, tokens } from '@stryker-mutator/api/plugin';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const runnerDir = path.dirname(require.resolve('@stryker-mutator/vitest-runner/package.json'));
const { VitestTestRunner } = await import(pathToFileURL(path.join(runnerDir, 'dist/src/vitest-test-runner.js')).href);
const { vitestWrapper } = await import(pathToFileURL(path.join(runnerDir, 'dist/src/vitest-wrapper.js')).href);
const { ThreadsPoolWorker } = await import(pathToFileURL(require.resolve('vitest/node')).href);

/** Runs one thread serves before a fresh one. */
const MAX_RUNS = 50;
const POOL_NAME = 'stryker-reuse-threads';

/** The one kept thread of this Stryker runner process (vitest runs one worker: maxWorkers 1). */
const shared = {
  inner: undefined, // ThreadsPoolWorker
  dead: false, // the thread exited on its own
  runs: 0, // runs served by this thread
  freshNext: true, // the next PoolRunner gets a fresh thread
};

/** Stops a thread no longer used: vitest's graceful "stop" (environment teardown), then terminate. */
function retire(inner) {
  return (async () => {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      const onMessage = (message) => {
        if (message?.__vitest_worker_response__ && message.type === 'stopped') {
          clearTimeout(timer);
          inner.off('message', onMessage);
          resolve();
        }
      };
      inner.on('message', onMessage);
      inner.send({ __vitest_worker_request__: true, type: 'stop' });
    });
    await inner.stop().catch(() => undefined);
  })();
}

/** vitest's pool worker interface over the kept thread. */
class ReusingThreadsWorker {
  name = POOL_NAME;
  reused = false;
  keep = false;
  listeners = [];
  constructor(options) {
    this.options = options;
    this.project = options.project;
  }
  async start() {
    if (shared.inner && !shared.dead && !shared.freshNext) {
      this.reused = true;
      shared.runs += 1;
      return;
    }
    if (shared.inner) retire(shared.inner);
    const inner = new ThreadsPoolWorker(this.options);
    await inner.start();
    Object.assign(shared, { inner, dead: false, runs: 1, freshNext: false });
    inner.on('exit', () => {
      if (shared.inner === inner) shared.dead = true;
    });
  }
  on(event, callback) {
    this.listeners.push([event, callback]);
    shared.inner.on(event, callback);
  }
  off(event, callback) {
    this.listeners = this.listeners.filter(([name, listener]) => name !== event || listener !== callback);
    shared.inner?.off(event, callback);
  }
  /** Answers vitest's pool as the thread would. */
  answer(type) {
    setImmediate(() => {
      for (const [event, callback] of this.listeners) if (event === 'message') callback({ type, __vitest_worker_response__: true });
    });
  }
  send(message) {
    if (message?.__vitest_worker_request__) {
      if (message.type === 'start' && this.reused) return this.answer('started');
      if (message.type === 'run' || message.type === 'collect')
        message = { ...message, context: { ...message.context, config: this.project.serializedConfig } };
      if (message.type === 'stop' && !shared.freshNext && !shared.dead) {
        this.keep = true;
        return this.answer('stopped');
      }
    }
    shared.inner.send(message);
  }
  async stop() {
    if (this.keep) {
      for (const [event, callback] of this.listeners) shared.inner?.off(event, callback);
      this.listeners = [];
      return;
    }
    const inner = shared.inner;
    shared.inner = undefined;
    await inner?.stop();
  }
  deserialize(data) {
    return data;
  }
}

const reusePool = { name: POOL_NAME, createPoolWorker: (options) => new ReusingThreadsWorker(options) };

// Runs before Stryker's own setup file, once per run (the first file): a kept thread still holds the
// last run's activeMutant and hitCount; for a static mutant, the thread's evaluated modules are dropped.
const PRELUDE = `import { inject } from 'vitest';
const ns = globalThis[inject('globalNamespace')] || (globalThis[inject('globalNamespace')] = {});
const runId = inject('reuseRunId');
if (ns.reuseRunId !== runId) {
  ns.reuseRunId = runId;
  if (inject('reuseReload') === runId) {
    const keep = (id) => id.includes('/vitest/dist/') || id.includes('/@vitest/') || /vitest-virtual-\\w+\\/dist/.test(id);
    globalThis.__vitest_worker__.evaluatedModules.idToModuleMap.forEach((node, id) => {
      if (keep(id)) return;
      node.promise = undefined;
      node.exports = undefined;
      node.evaluated = false;
      node.importers.clear();
    });
  }
  ns.activeMutant = undefined;
  ns.hitCount = undefined;
}
`;

class ReusingVitestTestRunner extends VitestTestRunner {
  static inject = VitestTestRunner.inject;
  runId = 0;
  preludeFile = path.resolve(`./stryker-reuse-prelude-${process.env.STRYKER_MUTATOR_WORKER ?? 0}.js`);

  async init() {
    const create = vitestWrapper.createVitest;
    vitestWrapper.createVitest = (mode, options, ...rest) => create(mode, { ...options, pool: reusePool }, ...rest);
    try {
      await super.init();
    } finally {
      vitestWrapper.createVitest = create;
    }
    await fs.promises.writeFile(this.preludeFile, PRELUDE);
    for (const project of this.ctx.projects) project.config.setupFiles = [this.preludeFile, ...project.config.setupFiles];
    this.ctx.provide('reuseRunId', 0);
    this.ctx.provide('reuseReload', -1);
  }

  async dryRun(options) {
    const result = await super.dryRun(options);
    // The dry run's graph ran with coverage counting: the mutants start on a fresh thread.
    shared.freshNext = true;
    return result;
  }

  async mutantRun(options) {
    this.runId += 1;
    this.ctx.provide('reuseRunId', this.runId);
    this.ctx.provide('reuseReload', options.reloadEnvironment ? this.runId : -1);
    if (shared.runs >= MAX_RUNS) shared.freshNext = true;
    const result = await super.mutantRun(options);
    // A run that ended in an error may leave the thread in any state; a test that timed out was
    // abandoned mid-flight, and its work (timers, a Redis client, a lock poll) may still be running:
    // it must not run into the next mutant's tests.
    if (result.status === 'error' || (result.status === 'killed' && /timed out in \d+ ?ms/i.test(result.failureMessage ?? '')))
      shared.freshNext = true;
    return result;
  }

  async dispose() {
    await super.dispose();
    if (shared.inner) await retire(shared.inner);
    shared.inner = undefined;
    await fs.promises.rm(this.preludeFile, { force: true });
  }
}

function createReusingRunner(injector) {
  return injector.provideValue('globalNamespace', INSTRUMENTER_CONSTANTS.NAMESPACE).injectClass(ReusingVitestTestRunner);
}
createReusingRunner.inject = tokens(commonTokens.injector);

export const strykerPlugins = [declareFactoryPlugin(PluginKind.TestRunner, 'vitest-reuse', createReusingRunner)];
