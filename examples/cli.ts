// A CLI that keeps its long token on disk (mode 0600) and asks for a one-time code only when it has
// no valid long token; with storeShortToken each run also reuses a fresh short token.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { AuthSession, SessionExpiredError } from 'c2m-auth';
import { FileTokenStore } from 'c2m-auth/node';

async function prompt(question: string): Promise<string> {
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await readline.question(question)).trim();
  } finally {
    readline.close();
  }
}

const baseUrl = process.env.C2M_BASE_URL ?? 'https://api.example.com/v1';
const clientId = process.env.C2M_CLIENT_ID ?? 'c2m_abc123';

const session = new AuthSession({
  baseUrl,
  clientId,
  store: new FileTokenStore(join(homedir(), '.config', 'c2m-cli', 'tokens.json')),
  storeShortToken: true,
  // Called only when a long token must be issued: a fresh OTP code each time.
  credentials: async () => ({ grant_type: 'client_credentials', client_id: clientId, otp_code: await prompt('One-time code: ') }),
  longTokenTtlSeconds: 30 * 86_400,
});

const [command] = process.argv.slice(2);
try {
  if (command === 'logout') {
    await session.revoke();
    console.log('Signed out.');
  } else {
    const response = await session.fetch(`${baseUrl}/jobs`);
    console.log(JSON.stringify(await response.json(), null, 2));
  }
} catch (error) {
  if (error instanceof SessionExpiredError) console.error('Your session has ended: run the command again to sign in.');
  else throw error;
} finally {
  session.close();
}
