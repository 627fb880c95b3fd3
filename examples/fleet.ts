// A fleet on one Redis: node:cluster starts four workers; each has its own AuthSession on one
// RedisTokenStore, so the whole fleet holds one long token and makes one exchange per refresh window.
// Run with REDIS_URL, C2M_BASE_URL, C2M_CLIENT_ID and C2M_CLIENT_SECRET set.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { AuthSession } from 'c2m-auth';
import { RedisTokenStore } from 'c2m-auth/redis';
import { createClient } from 'redis';

const WORKERS = 4;

if (cluster.isPrimary) {
  for (let index = 0; index < WORKERS; index += 1) cluster.fork();
  cluster.on('exit', (worker, code) => console.error(`worker ${worker.process.pid} exited (${code})`));
} else {
  const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
  // node-redis reconnects by itself; an 'error' listener keeps a lost connection from crashing the worker.
  redis.on('error', () => undefined);
  await redis.connect();
  const baseUrl = process.env.C2M_BASE_URL ?? 'https://api.example.com/v1';
  const clientId = process.env.C2M_CLIENT_ID ?? 'c2m_abc123';
  const session = new AuthSession({
    baseUrl,
    credentials: { grant_type: 'client_credentials', client_id: clientId, client_secret: process.env.C2M_CLIENT_SECRET ?? '' },
    store: new RedisTokenStore({ client: redis, encryptionKey: process.env.C2M_TOKEN_KEY }),
    storeShortToken: true,
    on: {
      // Redis down or slow: the worker goes on by itself; log it for the operators.
      storeError: ({ operation, error }) => console.warn(`token store ${operation} failed: ${(error as Error).name}`),
      tokenAdopted: ({ kind, tokenId }) => console.info(`worker ${process.pid} adopted ${kind} token ${tokenId}`),
    },
  });

  createServer(async (_request, response) => {
    const jobs = await session.fetch(`${baseUrl}/jobs`);
    response.writeHead(jobs.status, { 'content-type': 'application/json' }).end(await jobs.text());
  }).listen(8080, '127.0.0.1');

  process.on('SIGTERM', async () => {
    session.close(); // keeps the shared record: the other workers go on with it
    await redis.close();
    process.exit(0);
  });
}
