// The secrets and tokens the suites use, in a module of their own: the secret sweep (a setup file of
// every test file) reads them without loading msw.
export const LONG_TOKEN = 'lt_0d51e9bd2f6449cf8a1b';
export const SHORT_TOKEN = 'eyJhbGciOiJIUzI1NiIs.eyJzdWIiOiJjMm0ifQ.c2lnbmF0dXJl';
export const CLIENT_SECRET = 'supersecret123';
export const OTP_CODE = '123456';
export const ASSERTION = 'eyJhbGciOiJSUzI1NiIs.eyJpc3MiOiJjMm1fYWJjMTIzIn0.c2lnbmVk';
