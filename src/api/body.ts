import { AbortError } from '../errors/AbortError.js';
import type { AuthSdkError } from '../errors/AuthSdkError.js';
import { ResponseValidationError } from '../errors/ResponseValidationError.js';
import { TimeoutError } from '../errors/TimeoutError.js';

/** Largest response body read, in bytes: auth bodies are a few hundred bytes. */
export const MAX_BODY_BYTES = 1_048_576;

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
 * Reads `operation`'s response body as UTF-8 text: at most `limitBytes` (else a
 * ResponseValidationError), within `timeoutMs` (else a TimeoutError), until `signal` fires (an
 * AbortError). A hostile or broken server can neither make the SDK buffer megabytes nor hold it with
 * a body that never ends. Stopping cancels the stream, which ends a pending read, so no race is
 * needed per chunk.
 */
export async function readText(
  operation: string,
  response: Response,
  timeoutMs: number | false,
  signal: AbortSignal | undefined,
  limitBytes: number = MAX_BODY_BYTES,
): Promise<string> {
  const body = response.body;
  if (body === null) return '';
  const declared = Number(response.headers.get('content-length'));
  const reader = body.getReader();
  let stopped: AuthSdkError | undefined;
  const stop = (error: AuthSdkError): void => {
    stopped ??= error;
    // Not awaited: some streams never settle a cancel while a read is pending.
    reader.cancel().catch(() => undefined);
  };
  const tooLarge = (message: string): void => stop(new ResponseValidationError(operation, response.status, [{ path: [], message }]));
  if (declared > limitBytes) tooLarge(`body of ${declared} bytes exceeds ${limitBytes}`);
  const timer = timeoutMs === false ? undefined : setTimeout(() => stop(new TimeoutError(operation, timeoutMs)), timeoutMs);
  const onAbort = (): void => stop(AbortError.from(operation, signal));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (stopped === undefined) {
      const { done, value } = await reader.read();
      // A stop cancels the stream, which ends a pending read as done; a chunk that came first is
      // dropped when the loop sees `stopped`.
      if (done) break;
      size += value.byteLength;
      if (size > limitBytes) tooLarge(`body exceeds ${limitBytes} bytes`);
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
