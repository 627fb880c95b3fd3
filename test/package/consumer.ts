import ts from 'typescript';
import { type CodeBlock, codeBlocks } from './markdown.js';

// The files of a consumer project that type-checks against the installed package: code that uses
// every entry point (ESM and CJS), and the README's TypeScript snippets as modules.

/** Uses every entry point, the way an app and its tests do; `@ts-expect-error` lines prove the types are not `any`. */
export const entryConsumers: Readonly<Record<string, string>> = {
  'consumer.mts': `import { AuthApi, AuthApiError, AuthSession, type LongTokenResponse, type TokenStore } from 'c2m-auth';
import { FileTokenStore } from 'c2m-auth/node';
import { createAuthHandlers, type AuthMock } from 'c2m-auth/testing';
import { serveAuthMock, type ServedAuthMock } from 'c2m-auth/testing/node';
const api = new AuthApi({ baseUrl: 'https://api.example.com/v1', timeout: 5000, headers: { 'x-app': 'billing' } });
export const issued: Promise<LongTokenResponse> = api.issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's' });
// @ts-expect-error grant_type is an enum of the contract
void api.issueLongTermToken({ grant_type: 'password', client_id: 'c' });
export const short = api.issueShortTermToken(undefined, { longToken: 'lt', headers: new Headers({ 'x-request-id': '1' }), signal: AbortSignal.timeout(1000) });
const store: TokenStore = new FileTokenStore('/tmp/tokens.json');
export const session = new AuthSession({ api, store, credentials: { grant_type: 'assertion', client_id: 'c', assertion_type: 't', assertion: 'a' } });
export const jobs: Promise<Response> = session.fetch('https://api.example.com/v1/jobs', { method: 'POST', body: '{}' });
export const mock: AuthMock = createAuthHandlers({ clients: [{ clientId: 'c', assertions: ['a'] }] });
mock.failNext('issueShortTermToken', { status: 429, retryAfterSeconds: 1 });
// @ts-expect-error the kit serves four operations
mock.count('listJobs');
export const served: Promise<ServedAuthMock> = serveAuthMock({ port: 0 });
export const isApiError = (error: unknown): number | undefined => (error instanceof AuthApiError ? error.status : undefined);
`,
  'redis-consumer.mts': `import { TokenStoreError, type TokenStore } from 'c2m-auth';
import { fromIoredis, type IoredisLike, type RedisClientLike, RedisTokenStore, type RedisTokenStoreOptions } from 'c2m-auth/redis';
import { createClient } from 'redis';
const redis = createClient({ url: 'redis://127.0.0.1:6379' });
const options: RedisTokenStoreOptions = { client: redis, prefix: 'billing:', commandTimeoutMs: 500, encryptionKey: new Uint8Array(32) };
export const store: TokenStore = new RedisTokenStore(options);
// @ts-expect-error the client is required
new RedisTokenStore({ prefix: 'billing:' });
export const adapted = (ioredis: IoredisLike): RedisClientLike => fromIoredis(ioredis);
export const reason = (error: unknown) => (error instanceof TokenStoreError ? error.reason : undefined);
await using disposable = new RedisTokenStore({ client: await redis.connect() });
export const closing: Promise<void> = disposable.close();
`,
  // Under node16 resolution a .cts file resolves the "require" conditions: the .d.cts files.
  'consumer.cts': `import { AuthApi, AuthSession, type TokenStore } from 'c2m-auth';
import { FileTokenStore } from 'c2m-auth/node';
import { RedisTokenStore } from 'c2m-auth/redis';
import { createAuthHandlers } from 'c2m-auth/testing';
import { serveAuthMock } from 'c2m-auth/testing/node';
export const api = new AuthApi({ baseUrl: 'https://api.example.com/v1', headers: [['x-app', 'billing']] });
const store: TokenStore = new FileTokenStore('/tmp/tokens.json');
export const session = new AuthSession({ api, store });
export const kit = [RedisTokenStore, createAuthHandlers, serveAuthMock] as const;
`,
};

/**
 * What the README's snippets take from the page around them or from the app: names defined in an
 * earlier snippet or by the app, the environment variables they read (declared, as a project under
 * `noPropertyAccessFromIndexSignature` declares its own), and vitest, which the consumer does not install.
 */
const snippetContext = `declare const AuthApi: typeof import('c2m-auth').AuthApi;
declare const AuthSession: typeof import('c2m-auth').AuthSession;
declare const api: import('c2m-auth').AuthApi;
declare const session: import('c2m-auth').AuthSession;
declare const short: import('c2m-auth').ShortTokenResponse;
declare const body: import('c2m-auth').LongTokenRequest;
declare const credentials: import('c2m-auth').LongTokenRequest;
declare const baseUrl: string;
declare const client_id: string;
declare const client_secret: string;
declare const signedJwt: string;
declare const log: { info(...values: unknown[]): void; warn(...values: unknown[]): void };
declare const vault: { read(name: string): Promise<string> };
declare function prompt(question: string): Promise<string>;
declare const app: {
  post(path: string, handler: (req: { body: unknown }, res: { status(code: number): { send(body: string): void } }) => Promise<void>): void;
};
declare namespace NodeJS {
  interface ProcessEnv {
    readonly C2M_CLIENT_SECRET: string;
    readonly REDIS_URL: string;
    readonly C2M_TOKEN_KEY?: string;
  }
}
declare module 'vitest' {
  export function beforeAll(hook: () => unknown): void;
  export function afterEach(hook: () => unknown): void;
  export function afterAll(hook: () => unknown): void;
  export function it(name: string, test: () => Promise<void> | void): void;
  export function expect(actual: unknown): { toBe(expected: unknown): void };
}
`;

/** The types of the C2M API that the openapi-fetch snippet imports from './c2m-api.js'. */
const c2mApiTypes = `type NoParameters = { query?: never; header?: never; path?: never; cookie?: never };
export interface paths {
  '/jobs': {
    parameters: NoParameters;
    get: {
      parameters: NoParameters;
      requestBody?: never;
      responses: { 200: { headers: { [name: string]: unknown }; content: { 'application/json': { jobs: { id: string }[] } } } };
    };
  };
}
`;

/** The names a snippet declares at its top level. */
function topLevelNames(code: string): string[] {
  const names = (name: ts.BindingName): string[] =>
    ts.isIdentifier(name) ? [name.text] : name.elements.flatMap((element) => (ts.isBindingElement(element) ? names(element.name) : []));
  return ts
    .createSourceFile('snippet.mts', code, ts.ScriptTarget.ES2022)
    .statements.filter(ts.isVariableStatement)
    .flatMap((statement) => statement.declarationList.declarations.flatMap((declaration) => names(declaration.name)));
}

/** A README snippet is for a browser when its section says so; every other one is for Node. */
export const snippetEnvironment = (block: CodeBlock): 'browser' | 'node' => (/\bbrowser\b/i.test(block.heading) ? 'browser' : 'node');

/**
 * The README's TypeScript snippets for one environment, each a module that exports what it declares
 * (a snippet's result is used further on, so `noUnusedLocals` has nothing to say), with their context.
 */
export function readmeSnippetFiles(readme: string, environment: 'browser' | 'node'): Record<string, string> {
  const files: Record<string, string> = { 'readme-context.d.ts': snippetContext, 'c2m-api.d.ts': c2mApiTypes };
  codeBlocks(readme).forEach((block, index) => {
    if (block.lang !== 'ts' || snippetEnvironment(block) !== environment) return;
    files[`readme-${String(index + 1).padStart(2, '0')}.mts`] = `${block.code}export { ${topLevelNames(block.code).join(', ')} };\n`;
  });
  return files;
}
