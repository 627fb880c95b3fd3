import { HttpResponse } from 'msw';

/** A fault to inject in place of the next answers of one operation. */
export interface FaultOptions {
  /**
   * How many calls in a row get it.
   * @default 1
   */
  readonly times?: number;
  /** Answer with this HTTP status and an AuthError body (`code` defaults from the status); without it (and without `networkError`) the fault only delays. */
  readonly status?: number;
  /** The AuthError `code`. */
  readonly code?: string;
  /** A `Retry-After` header, in seconds. */
  readonly retryAfterSeconds?: number;
  /** Fail at the network level instead (a `TypeError` in fetch). */
  readonly networkError?: boolean;
  /**
   * Hold the call this many ms (by `setTimeout`, so fake timers drive it). Alone, the call then goes
   * on as usual; with `status` or `networkError`, that fault follows.
   */
  readonly delayMs?: number;
}

/** One queued fault: a response, or undefined to let the call go on after its delay. */
export interface Fault {
  respond(): Promise<Response | undefined>;
}

const CODES: Readonly<Record<number, string>> = {
  400: 'invalid_grant',
  401: 'invalid_token',
  403: 'insufficient_scope',
  404: 'not_found',
  429: 'rate_limited',
};

function toFault(options: FaultOptions): Fault {
  return {
    async respond() {
      if (options.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (options.networkError === true) return HttpResponse.error();
      if (options.status === undefined) return undefined;
      const status = options.status;
      const headers: Record<string, string> =
        options.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(options.retryAfterSeconds) };
      const code = options.code ?? CODES[status] ?? (status >= 500 ? 'server_error' : `http_${status}`);
      return HttpResponse.json({ code, message: `Injected fault: ${code}` }, { status, headers });
    },
  };
}

/** Faults queued per operation, taken one per call. */
export class FaultQueue<Operation extends string> {
  readonly #queues = new Map<Operation, Fault[]>();

  add(operation: Operation, options: FaultOptions): void {
    const queue = this.#queues.get(operation) ?? [];
    for (let index = 0; index < (options.times ?? 1); index += 1) queue.push(toFault(options));
    this.#queues.set(operation, queue);
  }

  take(operation: Operation): Fault | undefined {
    return this.#queues.get(operation)?.shift();
  }

  clear(): void {
    this.#queues.clear();
  }
}
