/** Gets a token: the current one, or (given the one a 401 refused) a refreshed one. */
export type TokenGetter = (refused: string | undefined, signal: AbortSignal | null | undefined) => Promise<string>;

const bearer = (token: string) => `Bearer ${token}`;

/**
 * The caller's headers with our Authorization in place of any of theirs (of any case). A plain object
 * stays a plain object, the cheap case for fetch; a Headers or an array of pairs becomes a Headers.
 */
function withBearer(headers: HeadersInit | undefined, token: string): HeadersInit {
  if (headers === undefined) return { authorization: bearer(token) };
  if (headers instanceof Headers || Array.isArray(headers)) {
    const copy = new Headers(headers);
    copy.set('authorization', bearer(token));
    return copy;
  }
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() !== 'authorization') copy[name] = value;
  copy.authorization = bearer(token);
  return copy;
}

function isRequest(input: RequestInfo | URL): input is Request {
  return typeof input === 'object' && 'headers' in input && 'clone' in input;
}

/** Frees the refused response's body. Not awaited: some streams never settle a cancel. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

/**
 * A fetch that adds `Authorization: Bearer <short JWT>` and, on a 401, refreshes once and replays the
 * request, body included; a second 401 is returned as it is. It builds no Request for a URL and init
 * (the common, cheap case); a Request (ky, openapi-fetch) is cloned only when it has a body, to keep
 * one for the replay; a stream body in init is buffered once so it can be sent twice.
 */
export function createSessionFetch(getToken: TokenGetter, getFetch: () => typeof fetch): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const doFetch = getFetch();
    const request = isRequest(input) ? (init === undefined ? input : new Request(input, init)) : undefined;
    const signal = request === undefined ? init?.signal : request.signal;
    const token = await getToken(undefined, signal);
    let send: (bearerToken: string) => Promise<Response>;
    if (request === undefined) {
      let body = init?.body;
      if (body instanceof ReadableStream) body = await new Response(body).arrayBuffer();
      send = (bearerToken) => {
        const headers = withBearer(init?.headers, bearerToken);
        return doFetch(input, body === undefined ? { ...init, headers } : { ...init, headers, body });
      };
    } else {
      const spare = request.body === null ? undefined : request.clone();
      let target = request;
      send = (bearerToken) => {
        target.headers.set('authorization', bearer(bearerToken));
        const sent = doFetch(target);
        target = spare ?? request;
        return sent;
      };
    }
    const response = await send(token);
    if (response.status !== 401) return response;
    const next = await getToken(token, signal);
    discard(response);
    return send(next);
  };
}
