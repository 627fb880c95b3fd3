/** Largest response body read, in bytes: auth bodies are a few hundred bytes. */
export const MAX_BODY_BYTES = 1_048_576;

/** Thrown by {@link readText} when a body is larger than its limit. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError' as const;
}

/**
 * Reads a body as UTF-8 text, at most `limitBytes`: a hostile or broken server cannot make the SDK
 * buffer megabytes.
 */
export async function readText(response: Response, limitBytes: number = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > limitBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError(`body of ${declared} bytes exceeds ${limitBytes}`);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(`body exceeds ${limitBytes} bytes`);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
