// The benchmark's HTTP server, run in its own process so it does not share the client's event loop.
// Answers the auth operations with fixed valid bodies and counts requests; stops when its parent goes.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const counts = { long: 0, short: 0, jobs: 0 };
const future = new Date(Date.now() + 86_400_000 * 365).toISOString();
const shortBody = JSON.stringify({
  token_type: 'Bearer',
  access_token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl',
  expires_in: 900,
  expires_at: future,
  scopes: ['jobs:submit'],
  token_id: 'tok_st_bench',
});
const longBody = JSON.stringify({
  token_type: 'Bearer',
  access_token: 'lt_bench_token',
  expires_in: 2_592_000,
  expires_at: future,
  token_id: 'tok_lt_bench',
});
const jobsBody = JSON.stringify({ jobs: [{ id: 'job_1' }] });

const server = createServer((request, response) => {
  const send = (status: number, body: string) => {
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };
  // Drain the request body before answering, as a real server would.
  request.resume();
  request.on('end', () => {
    switch (`${request.method} ${request.url}`) {
      case 'POST /v1/auth/tokens/short':
        counts.short += 1;
        return send(201, shortBody);
      case 'POST /v1/auth/tokens/long':
        counts.long += 1;
        return send(201, longBody);
      case 'GET /v1/jobs':
      case 'POST /v1/jobs':
        counts.jobs += 1;
        return send(200, jobsBody);
      case 'GET /counts':
        return send(200, JSON.stringify(counts));
      case 'POST /reset':
        counts.long = 0;
        counts.short = 0;
        counts.jobs = 0;
        return send(204, '');
      default:
        return send(404, '{"code":"not_found","message":"no"}');
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
