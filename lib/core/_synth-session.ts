/**
 * A synth session: the span of one `synthValidated` over a fully built App, during which no
 * user code changes the constructs. Within it a construct may compute what it renders once and
 * reuse it (its validation and its rendering read the same rules, for example); outside any
 * session (`app.synth()`, `Testing.synth()`, direct calls) everything is computed at each call,
 * as the App may still change between calls.
 */
interface Session {
  /** What objects rendered to in this session ({@link noteRendered}), dropped with the session. */
  readonly renders: Map<object, { json?: unknown; length?: number }>;
}
let current: Session | undefined;
const memos = new WeakMap<object, Map<string, { readonly session: object; readonly value: unknown }>>();

/**
 * Runs `fn` as one synth session (nested calls join the outer one).
 * @internal
 */
export function inSynthSession<T>(fn: () => T): T {
  if (current) return fn();
  current = { renders: new Map() };
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

/**
 * Records, in a session, what an object rendered to (`toJson()`), and its JSON text's length
 * when the caller has it, so {@link renderedJsonLength} need not render it again. Outside a
 * session, nothing. A renderer that keeps every object's JSON anyway passes `json`; one that
 * drops it passes only the length.
 * @internal
 */
export function noteRendered(obj: object, rendered: { json?: unknown; length?: number }): void {
  current?.renders.set(obj, rendered);
}

/**
 * `JSON.stringify(obj.toJson()).length`, from what the session recorded when it can (an
 * Argo CD Application reads the size of every object of its chart, which the synth or the
 * sync-wave derivation rendered just before).
 * @internal
 */
export function renderedJsonLength(obj: { toJson(): any }): number {
  const seen = current?.renders.get(obj);
  if (seen?.length !== undefined) return seen.length;
  const length = JSON.stringify(seen && 'json' in seen ? seen.json : obj.toJson()).length;
  if (seen) current!.renders.set(obj, { length });
  return length;
}
