/** Largest response body read, in bytes: auth bodies are a few hundred bytes. */
export const MAX_BODY_BYTES = 1_048_576;

/** Why {@link readText} stopped short of the whole body. */
export class BodyReadError extends Error {
  override name = 'BodyReadError' as const;

  /** @param reason - `too-large`, `timeout` (the timer ran out), or `aborted` (the caller's signal). */
  constructor(
    readonly reason: 'too-large' | 'timeout' | 'aborted',
    message: string,
  ) {
    super(message);
  }
}

// Decoding whole buffers (never streaming) keeps one decoder safe to share between concurrent calls.
const decoder = new TextDecoder();

function decode(chunks: readonly Uint8Array[], size: number): string {
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decoder.decode(whole);
}

/**
 * Reads a body as UTF-8 text: at most `limitBytes`, within `timeoutMs`, until `signal` fires. A
 * hostile or broken server can neither make the SDK buffer megabytes nor hold it with a body that
 * never ends. Stopping cancels the stream, which ends a pending read, so no race is needed per chunk.
 */
export async function readText(
  response: Response,
  timeoutMs: number | false,
  signal: AbortSignal | undefined,
  limitBytes: number = MAX_BODY_BYTES,
): Promise<string> {
  const body = response.body;
  if (body === null) return '';
  const declared = Number(response.headers.get('content-length'));
  const reader = body.getReader();
  let stopped: BodyReadError | undefined;
  const stop = (error: BodyReadError): void => {
    stopped ??= error;
    // Not awaited: some streams never settle a cancel while a read is pending.
    reader.cancel().catch(() => undefined);
  };
  if (declared > limitBytes) stop(new BodyReadError('too-large', `body of ${declared} bytes exceeds ${limitBytes}`));
  const timer = timeoutMs === false ? undefined : setTimeout(() => stop(new BodyReadError('timeout', 'body timed out')), timeoutMs);
  const onAbort = (): void => stop(new BodyReadError('aborted', 'aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (stopped === undefined) {
      const { done, value } = await reader.read();
      if (stopped !== undefined || done) break;
      size += value.byteLength;
      if (size > limitBytes) stop(new BodyReadError('too-large', `body exceeds ${limitBytes} bytes`));
      else chunks.push(value);
    }
    if (stopped !== undefined) throw stopped;
    return decode(chunks, size);
  } catch (error) {
    reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
