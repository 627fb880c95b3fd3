// Where a page sleeps (a laptop lid closed, a hidden tab throttled or frozen), its timers fire late or
// not at all while the wall clock moves on. The page tells when it is back: it is shown again
// (`visibilitychange`), restored from the back-forward cache (`pageshow`) or back online (`online`).

interface EventSource {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

type Page = Partial<EventSource> & { document?: Partial<EventSource> & { visibilityState?: string } };

/**
 * Calls `wake` each time the page comes back (shown, restored, online); returns the function that
 * stops it. Outside a page (Node, a worker without `document`) it does nothing.
 */
export function onPageWake(wake: () => void): () => void {
  const page = globalThis as Page;
  const document = page.document;
  if (typeof page.addEventListener !== 'function' || typeof document?.addEventListener !== 'function') return () => {};
  const shown = () => {
    if (document.visibilityState !== 'hidden') wake();
  };
  const listeners = [
    [document, 'visibilitychange', shown],
    [page, 'pageshow', wake],
    [page, 'online', wake],
  ] as [EventSource, string, () => void][];
  for (const [source, type, listener] of listeners) source.addEventListener(type, listener);
  return () => {
    for (const [source, type, listener] of listeners) source.removeEventListener(type, listener);
  };
}
