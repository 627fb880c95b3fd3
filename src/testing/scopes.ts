/** Whether `granted` covers `wanted`: equal, or a `family:*` wildcard over `family:anything`. */
export function scopeCovers(granted: string, wanted: string): boolean {
  if (granted === wanted) return true;
  return granted.endsWith(':*') && wanted.startsWith(granted.slice(0, -1));
}

/** The scopes of `wanted` that no scope of `granted` covers. */
export function uncoveredScopes(granted: readonly string[], wanted: readonly string[]): string[] {
  return wanted.filter((scope) => !granted.some((have) => scopeCovers(have, scope)));
}
