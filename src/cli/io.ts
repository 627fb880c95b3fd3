/** Options of {@link CliIo.prompt}. */
export interface PromptOptions {
  /** Whether what is typed shows on the terminal: false for a secret or a one-time code. */
  readonly echo: boolean;
}

/**
 * Everything `c2m-auth` touches besides the token file: so {@link main} runs in-process in tests, with
 * fake streams, a fake prompt and msw's fetch, and the bin only wires the real process to it.
 */
export interface CliIo {
  /** Writes to standard output (the token, the JSON object, the report). */
  readonly stdout: (text: string) => void;
  /** Writes to standard error (the one error line, warnings). */
  readonly stderr: (text: string) => void;
  /** The environment: `C2M_BASE_URL`, `C2M_CLIENT_ID`, `C2M_CLIENT_SECRET`, `XDG_CONFIG_HOME`, `HOME`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Asks the user for one line. Rejects with a `UsageError` when there is nothing to read (the input
   * ended) and an `InterruptedError` on Ctrl-C.
   */
  readonly prompt: (question: string, options: PromptOptions) => Promise<string>;
  /** The clock, in ms since the epoch. */
  readonly now: () => number;
  /** The fetch every request goes through. */
  readonly fetch: typeof fetch;
}
