// A browser app given its long token by its own backend (the client secret never reaches the page).
import { AuthSession } from 'c2m-auth';

interface TokenFromBackend {
  access_token: string;
  expires_at: string;
  token_id: string;
}

export async function startC2mSession(): Promise<AuthSession> {
  const answer = await fetch('/session/c2m-token', { credentials: 'same-origin' });
  if (!answer.ok) throw new Error(`The backend gave no C2M token (HTTP ${answer.status})`);
  const longToken = (await answer.json()) as TokenFromBackend;

  const session = new AuthSession({ baseUrl: 'https://api.example.com/v1', longToken, scopes: ['jobs:submit', 'templates:read'] });
  // Without credentials in the page, a revoked or expired long token ends the session.
  session.on('sessionExpired', () => window.location.assign('/login'));
  session.on('longTokenExpiring', ({ expiresAt }) =>
    console.info(`C2M access ends at ${expiresAt}; the backend should hand out a new token`),
  );
  window.addEventListener('pagehide', () => session.close());
  return session;
}

export async function listJobs(session: AuthSession): Promise<unknown> {
  const response = await session.fetch('https://api.example.com/v1/jobs');
  return response.json();
}
