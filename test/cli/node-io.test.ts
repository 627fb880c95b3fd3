import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { nodeIo } from '../../src/cli/node-io.js';

function fakeProcess() {
  const stdin = Object.assign(new PassThrough(), { isTTY: false });
  const written = { stdout: '', stderr: '' };
  const sink = (name: 'stdout' | 'stderr') =>
    Object.assign(new PassThrough(), {
      write: (text: string) => {
        written[name] += text;
        return true;
      },
    });
  const env = { C2M_BASE_URL: 'https://api.test/v1' };
  return { process: { stdin, stdout: sink('stdout'), stderr: sink('stderr'), env } as unknown as NodeJS.Process, stdin, written, env };
}

describe('nodeIo', () => {
  it('writes to the process’s stdout and stderr, and hands over its environment', () => {
    const fake = fakeProcess();
    const io = nodeIo(fake.process);
    io.stdout('out\n');
    io.stderr('err\n');
    expect(fake.written).toEqual({ stdout: 'out\n', stderr: 'err\n' });
    expect(io.env).toBe(fake.env);
    io.close();
  });

  it('tells the time by Date.now, and fetches with the global fetch of the moment', async () => {
    const io = nodeIo(fakeProcess().process);
    vi.spyOn(Date, 'now').mockReturnValue(1_234);
    expect(io.now()).toBe(1_234);
    const response = new Response('ok');
    const fetch = vi.fn(async () => response);
    vi.stubGlobal('fetch', fetch);
    expect(await io.fetch('https://api.test/v1/jobs', { method: 'POST' })).toBe(response);
    expect(fetch).toHaveBeenCalledWith('https://api.test/v1/jobs', { method: 'POST' });
  });

  it('prompts on stdin, asking on stderr, and lets go of stdin on close', async () => {
    const fake = fakeProcess();
    const io = nodeIo(fake.process);
    fake.stdin.write('c2m_abc123\n');
    expect(await io.prompt('Client id: ', { echo: true })).toBe('c2m_abc123');
    expect(fake.written).toEqual({ stdout: '', stderr: 'Client id: \n' });
    io.close();
    await expect(io.prompt('Client secret: ', { echo: false })).rejects.toMatchObject({ name: 'UsageError' });
  });
});
