import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthApi, type LongTokenRequest } from '../../src/index.js';

// A contract check against a server no one here wrote: Stoplight Prism mocks openapi.yaml and
// validates every request against it (--errors: a request off the contract is an error answer).
// Prism is a devDependency, pinned (later 5.x need Node 24): `npm install` puts it in place, and
// this test needs no registry.

const root = fileURLToPath(new URL('../..', import.meta.url));
const prismBin = join(root, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');
let prism: ChildProcess | undefined;
let baseUrl: string;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  if (!existsSync(prismBin)) throw new Error('Prism is missing: run `npm install` (it is a devDependency)');
  const port = await freePort();
  // Started by its own binary path, so the PID is the server's own, and stopped by that PID.
  prism = spawn(process.execPath, [prismBin, 'mock', join(root, 'openapi.yaml'), '-h', '127.0.0.1', '-p', String(port), '--errors'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Prism is listening')) resolve();
    };
    prism?.stdout?.on('data', onData);
    prism?.stderr?.on('data', onData);
    prism?.once('exit', (code) => reject(new Error(`Prism exited (${code}): ${output}`)));
  });
  baseUrl = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(() => {
  if (prism?.pid !== undefined && prism.exitCode === null) process.kill(prism.pid);
});

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123' } as const;

describe('every SDK operation against Prism, validating requests against openapi.yaml', () => {
  it('accepts a long-token request for each mechanism', async () => {
    const api = new AuthApi({ baseUrl });
    const bodies: LongTokenRequest[] = [
      { ...credentials, client_secret: 'supersecret123', scopes: ['jobs:submit', 'templates:read'], ttl_seconds: 7_776_000 },
      { ...credentials, otp_code: '123456', scopes: ['jobs:*'], ttl_seconds: 2_592_000 },
      {
        grant_type: 'assertion',
        client_id: 'c2m_abc123',
        assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        assertion: 'eyJhbGciOiJSUzI1NiIs.e30.c2ln',
      },
    ];
    for (const body of bodies)
      await expect(api.issueLongTermToken(body)).resolves.toMatchObject({ token_type: 'Bearer', token_id: 'tok_lt_b8e0aa' });
    await expect(api.issueLongTermToken(credentials, { shortToken: 'eyJhbGciOiJIUzI1NiIs.e30.c2ln' })).resolves.toMatchObject({
      token_type: 'Bearer',
    });
  });

  it('accepts the short-token exchange, with and without a body, and revocation with either token', async () => {
    const api = new AuthApi({ baseUrl, longToken: 'lt_0d51e9bd2f6449cf' });
    await expect(api.issueShortTermToken({ scopes: ['jobs:submit'] })).resolves.toMatchObject({ expires_in: 900 });
    await expect(api.issueShortTermToken()).resolves.toMatchObject({ token_id: 'tok_st_9f3d2c' });
    await expect(api.revokeToken('tok_st_9f3d2c')).resolves.toBeUndefined();
    await expect(api.revokeToken('tok_lt_b8e0aa', { shortToken: 'eyJhbGciOiJIUzI1NiIs.e30.c2ln' })).resolves.toBeUndefined();
  });

  it('does refuse requests off the contract (so the acceptances above mean something)', async () => {
    const noAuth = await fetch(`${baseUrl}/auth/tokens/short`, { method: 'POST' });
    expect(noAuth.status).toBe(401);
    const unknownField = await fetch(`${baseUrl}/auth/tokens/long`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-client-id': 'c2m_abc123' },
      body: JSON.stringify({ ...credentials, client_secret: 's', colour: 'blue' }),
    });
    // Prism answers the documented 400 for a body that breaks the schema (422 where none is documented).
    expect([400, 422]).toContain(unknownField.status);
  });
});
