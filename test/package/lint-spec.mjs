// Validates openapi.yaml against the OpenAPI 3.0 schema, then checks the parts of the contract a schema
// cannot: the operations, security, statuses and bounds that ../shared/SPEC.md names.

import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';

const file = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));
const api = await SwaggerParser.validate(file);

const problems = [];
const expect = (ok, what) => {
  if (!ok) problems.push(what);
};
expect(api.openapi === '3.0.3', 'openapi is 3.0.3');
expect(api.info.title === 'C2M API v2 - Auth Overlay' && api.info.version === '2.0.0', 'title and version');
const operations = {
  '/auth/tokens/long': ['issueLongTermToken', ['201', '400', '401', '403', '429'], ['ShortTokenAuth', 'ClientKey']],
  '/auth/tokens/short': ['issueShortTermToken', ['201', '400', '401', '429'], ['LongTokenAuth']],
  '/auth/tokens/{tokenId}/revoke': ['revokeToken', ['204', '401', '404'], ['ShortTokenAuth', 'LongTokenAuth']],
};
for (const [path, [operationId, statuses, security]] of Object.entries(operations)) {
  const op = api.paths[path]?.post;
  expect(op?.operationId === operationId, `${path} is ${operationId}`);
  expect(
    JSON.stringify(Object.keys(op?.responses ?? {}).sort()) === JSON.stringify([...statuses].sort()),
    `${operationId} statuses ${statuses}`,
  );
  expect(
    JSON.stringify((op?.security ?? []).map((s) => Object.keys(s)[0])) === JSON.stringify(security),
    `${operationId} security ${security}`,
  );
  for (const status of statuses.filter((s) => s >= '400')) {
    expect(
      op.responses[status].content?.['application/json']?.schema?.required?.join() === 'code,message',
      `${operationId} ${status} has an AuthError body`,
    );
  }
}
expect(api.paths['/auth/tokens/long'].post.responses['201'].headers?.['X-Token-Id']?.schema?.type === 'string', 'X-Token-Id header');
expect(api.paths['/auth/tokens/short'].post.requestBody?.required === false, 'short token body optional');
const schemas = api.components.schemas;
expect(schemas.LongTokenRequest.additionalProperties === false, 'LongTokenRequest is closed');
expect(schemas.ShortTokenRequest.additionalProperties === false, 'ShortTokenRequest is closed');
const ttl = schemas.LongTokenRequest.properties.ttl_seconds;
expect(ttl.minimum === 3600 && ttl.maximum === 7776000, 'ttl_seconds bounds');
for (const name of ['LongTokenResponse', 'ShortTokenResponse']) {
  expect(schemas[name].required.join() === 'token_type,access_token,expires_in,expires_at', `${name} required fields`);
}
expect(Object.keys(api.components.securitySchemes).sort().join() === 'ClientKey,LongTokenAuth,ShortTokenAuth', 'security schemes');

if (problems.length > 0) {
  console.error(`openapi.yaml: ${problems.length} contract check(s) failed:\n- ${problems.join('\n- ')}`);
  process.exitCode = 1;
} else {
  console.log('spec: openapi.yaml is valid OpenAPI 3.0.3 and carries the contract');
}
