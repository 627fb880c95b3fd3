import type { CommandName } from './args.js';

const COMMON = `Options of every command:
  --profile NAME  the account (default: default); each has its own base URL, client id and tokens
  --store PATH    the token file (default: $XDG_CONFIG_HOME/c2m-auth/tokens.json, else
                  ~/.config/c2m-auth/tokens.json); profiles.json beside it holds each profile's
                  base URL and client id, never a token
  --json          print one JSON object on one line instead of text
  -h, --help      show this help
  --version       print the version
`;

const EXIT_CODES = `Exit codes (an error is one line on stderr: c2m-auth: <ErrorClass>: <message>; <what to do>):
    0  done
    1  anything else (a token file that cannot be read or written, an unexpected failure)
    2  usage: an unknown command or option, a bad value, a secret given as a flag (UsageError, RequestValidationError)
    3  not logged in, or the session expired: run c2m-auth login (NotLoggedInError, SessionExpiredError)
    4  the server refused (AuthApiError)
    5  no answer from the server: network failure or timeout (NetworkError, TimeoutError)
  130  Ctrl-C at a prompt (InterruptedError)
`;

const OVERVIEW = `c2m-auth: a C2M API token for curl and scripts, in one command.

Usage:
  c2m-auth login  [--base-url URL] [--client-id ID] [--otp | --assertion-file F] [--scopes a,b] [--ttl 30d]
  c2m-auth token  [--scopes a,b]      print a short JWT on stdout, nothing else
  c2m-auth status                     the profile, token ids and expiry times; never a token
  c2m-auth revoke [--short | --long | --all]
  c2m-auth logout                     the same as revoke --all

  curl -H "Authorization: Bearer $(c2m-auth token)" "$C2M_BASE_URL/jobs"

Environment: C2M_BASE_URL, C2M_CLIENT_ID, C2M_CLIENT_SECRET. The secret and one-time codes are
typed at a prompt that does not echo, or come from C2M_CLIENT_SECRET; never from a flag, which would
land in shell history.

${COMMON}
${EXIT_CODES}
Run c2m-auth <command> --help for a command's options and output.
`;

const COMMANDS: Readonly<Record<CommandName, string>> = {
  login: `Usage: c2m-auth login [--base-url URL] [--client-id ID] [--otp | --assertion-file F] [--scopes a,b] [--ttl 30d]

Issues a long-term token and keeps it in the token file (mode 0600) under the profile.
  --base-url URL        the API's base URL, e.g. https://api.example.com/v1 (else C2M_BASE_URL, the
                        profile's last one, or a prompt)
  --client-id ID        the client id (else C2M_CLIENT_ID, the profile's last one, or a prompt)
  --otp                 log in with a one-time code, typed at a prompt that does not echo
  --assertion-file F    log in with the signed assertion (a JWT) in file F
  --assertion-type T    its type (default: urn:ietf:params:oauth:client-assertion-type:jwt-bearer)
  --scopes a,b          the long token's scopes (default: all the client may have)
  --ttl 30d             its lifetime, from 1h to 90d: a number with s, m, h or d (default: the server's)
Without --otp or --assertion-file the client secret is used: C2M_CLIENT_SECRET, else a prompt that
does not echo. --client-secret is refused: a secret given as a flag lands in shell history.
The long token the profile held before is revoked (at its base URL); if that fails, a warning.

Output: logged in (profile NAME, client ID): long token TOKEN_ID, expires ISO_TIME
  then, when a token was replaced: replaced long token TOKEN_ID revoked (or was already revoked or
  expired, has no id to revoke: forgotten here only, could not be revoked)
  --json: {"profile","baseUrl","clientId","longToken":{"tokenId","expiresAt"},"replaced":{"kind","tokenId","outcome"}|null}
`,
  token: `Usage: c2m-auth token [--scopes a,b]

Prints a short-term JWT and a newline on stdout, nothing else. A JWT cached by an earlier run is
reused while it is valid for more than a minute; else the long token is exchanged for a new one.
Without a usable long token it exits 3, unless C2M_CLIENT_SECRET (and the profile's client id, or
C2M_CLIENT_ID) can issue a new one.
  --scopes a,b   narrow the JWT to these scopes (cached apart from the unnarrowed one)

Output: the JWT
  --json: {"profile","token","tokenId","expiresAt"}
`,
  status: `Usage: c2m-auth status

Shows the profile and its tokens' ids and expiry times; never a token. Exits 3, after the report,
when the profile has no usable long token.

Output, one line each:
  profile: NAME
  base url: URL | none
  client id: ID | none
  token file: PATH
  long token: TOKEN_ID, expires ISO_TIME | TOKEN_ID, expired ISO_TIME | none
  short token: TOKEN_ID, expires ISO_TIME[, scopes a b] | ... | none
  --json: {"profile","baseUrl","clientId","tokenFile","loggedIn","longToken":{"tokenId","expiresAt","expired"}|null,
           "shortToken":{"tokenId","expiresAt","expired","scopes"}|null}
`,
  revoke: `Usage: c2m-auth revoke [--short | --long | --all]

Revokes the profile's tokens on the server, then forgets them here.
  --short   the cached short token only; the long token is kept
  --long    the long token (its short tokens go with it); the record is deleted
  --all     both (the default); the record is deleted
A token the server already refuses (401, 404) counts as revoked. Any other failure keeps the record,
so the command can be run again. Not logged in: nothing to do, exit 0.

Output, one line per token, then one for the profile:
  short token TOKEN_ID revoked | was already revoked or expired
  long token TOKEN_ID revoked | was already revoked or expired
  profile NAME is logged out
  --json: {"profile","revoked":[{"kind","tokenId","outcome"}],"loggedIn"}
`,
  logout: `Usage: c2m-auth logout

The same as c2m-auth revoke --all: revokes the long token and the cached short token, and deletes
the profile's record. The profile's base URL and client id are kept for the next login.
`,
};

/** The help of `command`, or of c2m-auth as a whole, with the options of every command and the exit codes. */
export function helpOf(command: CommandName | undefined): string {
  return command === undefined ? OVERVIEW : `${COMMANDS[command]}\n${COMMON}\n${EXIT_CODES}`;
}
