// A browser app given its long token by its own backend (the client secret never reaches the page),
// open in any number of tabs: one BrowserTokenStore makes one exchange per window for all of them,
// and signing out in one tab signs out the others.
import { AuthSession, BrowserTokenStore, SessionClosedError } from 'c2m-auth';

interface TokenFromBackend {
  access_token: string;
  expires_at: string;
  token_id: string;
}

const BASE_URL = 'https://api.example.com/v1';

/** The long token, from the app's backend (called only when no tab holds a usable one). */
async function longTokenFromBackend(): Promise<TokenFromBackend> {
  const answer = await fetch('/session/c2m-token', { credentials: 'same-origin' });
  if (!answer.ok) throw new Error(`The backend gave no C2M token (HTTP ${answer.status})`);
  return (await answer.json()) as TokenFromBackend;
}

export function startC2mSession(): AuthSession {
  const session = new AuthSession({
    baseUrl: BASE_URL,
    longToken: longTokenFromBackend,
    // sessionStorage by default: nothing is left behind when the tab closes.
    store: new BrowserTokenStore(),
    storeShortToken: true,
    autoRefresh: true,
    scopes: ['jobs:submit', 'templates:read'],
  });
  // A revoked or expired long token the backend cannot replace ends the session.
  session.on('sessionExpired', () => window.location.assign('/login'));
  session.on('longTokenExpiring', ({ expiresAt }) =>
    console.info(`C2M access ends at ${expiresAt}; the backend should hand out a new token`),
  );
  return session;
}

export async function listJobs(session: AuthSession): Promise<unknown> {
  try {
    const response = await session.fetch(`${BASE_URL}/jobs`);
    return await response.json();
  } catch (error) {
    // Signed out in this tab or another one.
    if (error instanceof SessionClosedError) window.location.assign('/login');
    throw error;
  }
}

/** The sign-out button: revokes the tokens and closes the session in every tab. */
export async function signOut(session: AuthSession): Promise<void> {
  await session.revoke();
  window.location.assign('/login');
}
