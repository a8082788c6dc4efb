/**
 * A synth session: the span of one `synthValidated` over a fully built App, during which no
 * user code changes the constructs. Within it a construct may compute what it renders once and
 * reuse it (its validation and its rendering read the same rules, for example); outside any
 * session (`app.synth()`, `Testing.synth()`, direct calls) everything is computed at each call,
 * as the App may still change between calls.
 */
let current: object | undefined;
const memos = new WeakMap<object, Map<string, { readonly session: object; readonly value: unknown }>>();

/**
 * Runs `fn` as one synth session (nested calls join the outer one).
 * @internal
 */
export function inSynthSession<T>(fn: () => T): T {
  if (current) return fn();
  current = {};
  try {
    return fn();
  } finally {
    current = undefined;
  }
}

/**
 * `compute()`, computed once per synth session for this owner and key; at every call outside a
 * session. Only for values that depend on nothing but the built App.
 * @internal
 */
export function sessionMemo<T>(owner: object, key: string, compute: () => T): T {
  if (!current) return compute();
  let byKey = memos.get(owner);
  if (!byKey) memos.set(owner, byKey = new Map());
  const hit = byKey.get(key);
  if (hit && hit.session === current) return hit.value as T;
  const value = compute();
  byKey.set(key, { session: current, value });
  return value;
}
