/**
 * Whether `v` is plain JSON: strings, finite numbers other than -0, booleans, null, arrays
 * without holes and plain objects without symbol keys, no value referenced twice. Its JSON text
 * then determines it exactly: `JSON.parse(JSON.stringify(v))` is the same value, down to the
 * order of its keys, so its validity and its YAML too (an `undefined` field, which JSON drops
 * but the validator and YAML see, or a shared object, which YAML writes as an alias, is not
 * plain JSON).
 * @internal
 */
export function isPlainJson(v: unknown): boolean {
  return plainJson(v, new Set());
}

function plainJson(v: unknown, seen: Set<object>): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (seen.has(v)) return false;
      seen.add(v);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!(i in v) || !plainJson(v[i], seen)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      if (Object.getOwnPropertySymbols(v).length > 0) return false;
      for (const key of Object.keys(v)) if (!plainJson((v as Record<string, unknown>)[key], seen)) return false;
      return true;
    }
    default:
      return false;
  }
}
