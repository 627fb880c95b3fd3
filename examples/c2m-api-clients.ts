// Calls to the rest of the C2M API ride the same session: session.fetch drops into ky and openapi-fetch.
import { AuthSession } from 'c2m-auth';
import ky from 'ky';
import createClient from 'openapi-fetch';

/** A slice of the C2M API's own OpenAPI types (openapi-typescript generates the full set). */
interface C2mPaths {
  '/jobs': {
    get: { responses: { 200: { content: { 'application/json': { jobs: { id: string }[] } } } } };
    post: {
      requestBody: { content: { 'application/json': { template: string; copies: number } } };
      responses: { 201: { content: { 'application/json': { id: string } } } };
    };
  };
}

const baseUrl = 'https://api.example.com/v1';
const session = new AuthSession({
  baseUrl,
  credentials: { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: process.env.C2M_CLIENT_SECRET ?? '' },
});

// ky: every request carries the JWT; a 401 is refreshed and replayed by session.fetch, so ky's own
// retry can stay for network errors.
const c2m = ky.create({ prefixUrl: baseUrl, fetch: session.fetch });
export const createdWithKy = (copies: number) => c2m.post('jobs', { json: { template: 'letter', copies } }).json<{ id: string }>();

// openapi-fetch: typed paths, the same session underneath.
const client = createClient<C2mPaths>({ baseUrl, fetch: session.fetch });
export async function listJobsTyped(): Promise<{ id: string }[]> {
  const { data, error } = await client.GET('/jobs');
  if (error !== undefined) throw new Error('listing jobs failed');
  return data.jobs;
}
export const createdTyped = () => client.POST('/jobs', { body: { template: 'letter', copies: 1 } });
