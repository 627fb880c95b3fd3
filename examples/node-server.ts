// A Node server that calls the C2M API for its users: one session for the whole process, a fresh
// JWT on every outgoing call, no refresh storms however many requests arrive at once.
import { createServer } from 'node:http';
import { AuthSession } from 'c2m-auth';

const baseUrl = process.env.C2M_BASE_URL ?? 'https://api.example.com/v1';
const session = new AuthSession({
  baseUrl,
  credentials: {
    grant_type: 'client_credentials',
    client_id: process.env.C2M_CLIENT_ID ?? '',
    client_secret: process.env.C2M_CLIENT_SECRET ?? '',
  },
  scopes: ['jobs:submit'],
  on: {
    refreshFailed: ({ error, stillValidUntil }) =>
      console.warn(`token refresh failed (${error.name}); current token valid until ${stillValidUntil}`),
  },
});

const server = createServer(async (request, response) => {
  if (request.method !== 'POST' || request.url !== '/letters') {
    response.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    // session.fetch adds the JWT and, on a 401, refreshes once and replays the body.
    const upstream = await session.fetch(`${baseUrl}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat(chunks).toString('utf8'),
    });
    response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
  } catch (error) {
    // Every SDK failure is an AuthSdkError whose message holds no secret: safe to log.
    console.error(error);
    response.writeHead(502).end();
  }
});

server.listen(8080, '127.0.0.1');
process.on('SIGTERM', () => {
  session.close();
  server.close();
});
