import { describe, expectTypeOf, it } from 'vitest';
import type * as z from 'zod/v4/core';
import type { components } from '../../generated/schema.js';
import type {
  authErrorSchema,
  longTokenRequestSchema,
  longTokenResponseSchema,
  shortTokenRequestSchema,
  shortTokenResponseSchema,
} from '../../src/schemas.js';

type Schemas = components['schemas'];

/**
 * Mutual assignability under exactOptionalPropertyTypes: tells `{ a?: T }` from `{ a?: T | undefined }`,
 * which toEqualTypeOf (and the usual identity trick) let pass.
 */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Bound<S extends z.$ZodType, G> = [Mutual<z.infer<S>, G>, Mutual<z.input<S>, G>];

describe('zod schemas match the generated types', () => {
  it('LongTokenRequest', () => {
    expectTypeOf<z.infer<typeof longTokenRequestSchema>>().toEqualTypeOf<Schemas['LongTokenRequest']>();
    expectTypeOf<Schemas['LongTokenRequest']>().toEqualTypeOf<z.input<typeof longTokenRequestSchema>>();
    expectTypeOf<Bound<typeof longTokenRequestSchema, Schemas['LongTokenRequest']>>().toEqualTypeOf<[true, true]>();
  });
  it('ShortTokenRequest', () => {
    expectTypeOf<z.infer<typeof shortTokenRequestSchema>>().toEqualTypeOf<Schemas['ShortTokenRequest']>();
    expectTypeOf<Schemas['ShortTokenRequest']>().toEqualTypeOf<z.input<typeof shortTokenRequestSchema>>();
    expectTypeOf<Bound<typeof shortTokenRequestSchema, Schemas['ShortTokenRequest']>>().toEqualTypeOf<[true, true]>();
  });
  it('LongTokenResponse', () => {
    expectTypeOf<z.infer<typeof longTokenResponseSchema>>().toEqualTypeOf<Schemas['LongTokenResponse']>();
    expectTypeOf<Schemas['LongTokenResponse']>().toEqualTypeOf<z.input<typeof longTokenResponseSchema>>();
    expectTypeOf<Bound<typeof longTokenResponseSchema, Schemas['LongTokenResponse']>>().toEqualTypeOf<[true, true]>();
  });
  it('ShortTokenResponse', () => {
    expectTypeOf<z.infer<typeof shortTokenResponseSchema>>().toEqualTypeOf<Schemas['ShortTokenResponse']>();
    expectTypeOf<Schemas['ShortTokenResponse']>().toEqualTypeOf<z.input<typeof shortTokenResponseSchema>>();
    expectTypeOf<Bound<typeof shortTokenResponseSchema, Schemas['ShortTokenResponse']>>().toEqualTypeOf<[true, true]>();
  });
  it('AuthError', () => {
    expectTypeOf<z.infer<typeof authErrorSchema>>().toEqualTypeOf<Schemas['AuthError']>();
    expectTypeOf<Schemas['AuthError']>().toEqualTypeOf<z.input<typeof authErrorSchema>>();
    expectTypeOf<Bound<typeof authErrorSchema, Schemas['AuthError']>>().toEqualTypeOf<[true, true]>();
  });
});
