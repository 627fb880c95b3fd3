/** Largest response body read, in bytes: auth bodies are a few hundred bytes. */
export const MAX_BODY_BYTES = 1_048_576;

/** Thrown by {@link readText} when a body is larger than its limit. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError' as const;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Reads a body as UTF-8 text, at most `limitBytes`, until `signal` fires: a hostile or broken server
 * can neither make the SDK buffer megabytes nor hold it with a body that never ends. (A fired signal
 * does not stop every fetch's body stream, so the read races it.)
 */
export async function readText(response: Response, signal: AbortSignal, limitBytes: number = MAX_BODY_BYTES): Promise<string> {
  const body = response.body;
  if (body === null) return '';
  const reader = body.getReader();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const declared = Number(response.headers.get('content-length'));
    if (declared > limitBytes) throw new BodyTooLargeError(`body of ${declared} bytes exceeds ${limitBytes}`);
    const decoder = new TextDecoder();
    let text = '';
    let size = 0;
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) return text + decoder.decode();
      size += value.byteLength;
      if (size > limitBytes) throw new BodyTooLargeError(`body exceeds ${limitBytes} bytes`);
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    // Not awaited: some streams never settle a cancel while a read is pending.
    reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}
