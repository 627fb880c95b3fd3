// Constructor option checks shared by AuthApi and AuthSession: a table of (option, predicate,
// message), and a TypeError naming the first misused option, never its value.

/** A predicate over an option's value. */
export type Check = (value: unknown) => boolean;

/** One row: the option, its predicate, and what it must be. */
export type OptionCheck<Options> = readonly [keyof Options & string, Check, string];

export const isObject: Check = (value) => typeof value === 'object' && value !== null;
export const isFunction: Check = (value) => typeof value === 'function';

/** Throws a TypeError `<owner>: option "<name>" <message>` for the first option that fails its check. */
export function assertOptions<Options>(
  owner: string,
  options: unknown,
  checks: readonly OptionCheck<Options>[],
): asserts options is Options {
  if (!isObject(options)) throw new TypeError(`${owner}: options must be an object`);
  for (const [name, check, message] of checks) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined && !check(value)) throw new TypeError(`${owner}: option "${name}" ${message}`);
  }
}
