import { invalid } from '../core/_validation';

/*
 * The subset of expr-lang (github.com/expr-lang/expr) that KEDA's `scalingModifiers.formula`
 * examples use, parsed by a small recursive-descent parser.
 *
 * KEDA v2.18.3 apis/keda/v1alpha1/scaledobject_webhook.go ValidateAndCompileScalingModifiers /
 * validateScalingModifiersFormula: the formula is wrapped in `float(...)` (castToFloatIfNecessary),
 * compiled with `expr.Env(map[trigger name]float64)` (cpu/memory triggers and unnamed triggers are
 * not in the environment) and `expr.AsFloat64()`, and run once with every variable at -1.
 * pkg/scaling/modifiers/formula.go calculateScalingModifiersFormula runs it with each trigger's
 * metric value under the trigger's name and stores the result as a milli-quantity
 * (`SetMilli(int64(out * 1000))`, truncated).
 *
 * Supported: number literals, trigger names, `true`/`false`, parentheses, unary `-`, `+`, `!`,
 * `not`; `**` and `^` (power), `*`, `/`, `+`, `-`; `==`, `!=`, `<`, `<=`, `>`, `>=`; `&&`, `and`,
 * `||`, `or`; `cond ? a : b`; and the builtins `min`, `max`, `abs`, `ceil`, `floor`, `round`,
 * `float`, `int`. Everything else (`%`, which expr only allows on integers while every trigger
 * value is a float64, strings, arrays, predicates such as `count`, member access, `??`, pipes)
 * is refused with an error naming the prop and the formula.
 */

type Type = 'number' | 'boolean';

interface Node {
  readonly type: Type;
  readonly evaluate: (values: Readonly<Record<string, number>>) => number | boolean;
}

interface Token {
  readonly kind: 'number' | 'name' | 'op' | 'end';
  readonly text: string;
  readonly at: number;
}

/** A compiled formula: the trigger names it reads and its evaluation. @internal */
export interface CompiledFormula {
  /** The trigger names the formula reads. */
  readonly variables: ReadonlySet<string>;
  /** The formula's value for these trigger values (a float64, possibly not finite). */
  evaluate(values: Readonly<Record<string, number>>): number;
}

const OPERATORS = ['**', '==', '!=', '<=', '>=', '&&', '||', '+', '-', '*', '/', '^', '<', '>', '!', '?', ':', '(', ')', ','];
const BUILTINS: Record<string, { readonly minArgs: number; readonly maxArgs: number; readonly fn: (...args: number[]) => number }> = {
  min: { minArgs: 1, maxArgs: Infinity, fn: (...a) => Math.min(...a) },
  max: { minArgs: 1, maxArgs: Infinity, fn: (...a) => Math.max(...a) },
  abs: { minArgs: 1, maxArgs: 1, fn: a => Math.abs(a) },
  ceil: { minArgs: 1, maxArgs: 1, fn: a => Math.ceil(a) },
  floor: { minArgs: 1, maxArgs: 1, fn: a => Math.floor(a) },
  // Go's math.Round: half away from zero (JavaScript's Math.round rounds -2.5 to -2).
  round: { minArgs: 1, maxArgs: 1, fn: a => Math.sign(a) * Math.round(Math.abs(a)) },
  float: { minArgs: 1, maxArgs: 1, fn: a => a },
  // expr's int() truncates toward zero.
  int: { minArgs: 1, maxArgs: 1, fn: a => Math.trunc(a) },
};

/**
 * Parses a `scalingModifiers.formula` over the given trigger names (the environment KEDA
 * compiles it with). Errors name `prop` and the formula.
 * @internal
 */
export function compileFormula(prop: string, formula: unknown, variables: ReadonlySet<string>): CompiledFormula {
  if (typeof formula !== 'string' || formula.trim() === '') {
    throw invalid(prop, formula, 'must be a non-empty expr-lang formula over the trigger names, e.g. \'(queue + running) / 2\'');
  }
  const fail = (rule: string): Error => invalid(prop, formula, rule);
  const tokens = tokenize(formula, fail);
  const used = new Set<string>();
  let pos = 0;
  const peek = (): Token => tokens[pos];
  const take = (): Token => tokens[pos++];
  const expect = (text: string): void => {
    const t = take();
    if (t.kind !== 'op' || t.text !== text) throw fail(`cannot be parsed: expected '${text}' at character ${t.at + 1}${describe(t)}`);
  };
  const isOp = (t: Token, ...texts: string[]) => t.kind === 'op' && texts.includes(t.text)
    || t.kind === 'name' && texts.includes(t.text);
  const need = (node: Node, type: Type, what: string): void => {
    if (node.type !== type) throw fail(`cannot be compiled: ${what} must be a ${type}, got a ${node.type}`);
  };

  // Precedence, lowest first, as in expr-lang: ternary, or, and, comparison, additive,
  // multiplicative, power (right-associative), unary.
  const ternary = (): Node => {
    const cond = or();
    if (!isOp(peek(), '?')) return cond;
    take();
    need(cond, 'boolean', 'the condition of \'?:\'');
    const yes = ternary();
    expect(':');
    const no = ternary();
    if (yes.type !== no.type) throw fail('cannot be compiled: both branches of \'?:\' must have the same type');
    return { type: yes.type, evaluate: v => (cond.evaluate(v) ? yes.evaluate(v) : no.evaluate(v)) };
  };
  const or = (): Node => {
    let left = and();
    while (isOp(peek(), '||', 'or')) {
      const op = take().text;
      const right = and();
      need(left, 'boolean', `the left side of '${op}'`);
      need(right, 'boolean', `the right side of '${op}'`);
      const l = left;
      left = { type: 'boolean', evaluate: v => (l.evaluate(v) as boolean) || (right.evaluate(v) as boolean) };
    }
    return left;
  };
  const and = (): Node => {
    let left = comparison();
    while (isOp(peek(), '&&', 'and')) {
      const op = take().text;
      const right = comparison();
      need(left, 'boolean', `the left side of '${op}'`);
      need(right, 'boolean', `the right side of '${op}'`);
      const l = left;
      left = { type: 'boolean', evaluate: v => (l.evaluate(v) as boolean) && (right.evaluate(v) as boolean) };
    }
    return left;
  };
  const comparison = (): Node => {
    let left = additive();
    while (isOp(peek(), '==', '!=', '<', '<=', '>', '>=')) {
      const op = take().text;
      const right = additive();
      if (op === '==' || op === '!=') {
        if (left.type !== right.type) throw fail(`cannot be compiled: '${op}' compares a ${left.type} with a ${right.type}`);
      } else {
        need(left, 'number', `the left side of '${op}'`);
        need(right, 'number', `the right side of '${op}'`);
      }
      const l = left;
      const cmp = COMPARE[op];
      left = { type: 'boolean', evaluate: v => cmp(l.evaluate(v), right.evaluate(v)) };
    }
    return left;
  };
  const arithmetic = (next: () => Node, ops: string[]) => (): Node => {
    let left = next();
    while (isOp(peek(), ...ops)) {
      const op = take().text;
      const right = next();
      need(left, 'number', `the left side of '${op}'`);
      need(right, 'number', `the right side of '${op}'`);
      const l = left;
      const f = ARITHMETIC[op];
      left = { type: 'number', evaluate: v => f(l.evaluate(v) as number, right.evaluate(v) as number) };
    }
    return left;
  };
  const power = (): Node => {
    const base = unary();
    if (!isOp(peek(), '**', '^')) return base;
    const op = take().text;
    const exponent = power(); // right-associative
    need(base, 'number', `the left side of '${op}'`);
    need(exponent, 'number', `the right side of '${op}'`);
    return { type: 'number', evaluate: v => Math.pow(base.evaluate(v) as number, exponent.evaluate(v) as number) };
  };
  const unary = (): Node => {
    const t = peek();
    if (isOp(t, '-', '+')) {
      take();
      const operand = unary();
      need(operand, 'number', `the operand of unary '${t.text}'`);
      return t.text === '-' ? { type: 'number', evaluate: v => -(operand.evaluate(v) as number) } : operand;
    }
    if (isOp(t, '!', 'not')) {
      take();
      const operand = unary();
      need(operand, 'boolean', `the operand of '${t.text}'`);
      return { type: 'boolean', evaluate: v => !(operand.evaluate(v) as boolean) };
    }
    return primary();
  };
  const multiplicative = arithmetic(power, ['*', '/']);
  const additive = arithmetic(multiplicative, ['+', '-']);
  const primary = (): Node => {
    const t = take();
    if (t.kind === 'number') {
      const value = Number(t.text.replace(/_/g, ''));
      return { type: 'number', evaluate: () => value };
    }
    if (t.kind === 'op' && t.text === '(') {
      const inner = ternary();
      expect(')');
      return inner;
    }
    if (t.kind === 'name') {
      if (t.text === 'true' || t.text === 'false') {
        const value = t.text === 'true';
        return { type: 'boolean', evaluate: () => value };
      }
      if (isOp(peek(), '(')) {
        const builtin = Object.prototype.hasOwnProperty.call(BUILTINS, t.text) ? BUILTINS[t.text] : undefined;
        if (builtin === undefined) {
          throw fail(`uses '${t.text}()', which is not supported here: use min, max, abs, ceil, floor, round, float or int`);
        }
        take();
        const args: Node[] = [];
        if (!isOp(peek(), ')')) {
          args.push(ternary());
          while (isOp(peek(), ',')) {
            take();
            args.push(ternary());
          }
        }
        expect(')');
        if (args.length < builtin.minArgs || args.length > builtin.maxArgs) {
          throw fail(`cannot be compiled: '${t.text}()' takes ${builtin.minArgs === builtin.maxArgs ? builtin.minArgs : `at least ${builtin.minArgs}`} argument(s), got ${args.length}`);
        }
        args.forEach((a, i) => need(a, 'number', `argument ${i + 1} of '${t.text}()'`));
        return { type: 'number', evaluate: v => builtin.fn(...args.map(a => a.evaluate(v) as number)) };
      }
      if (!variables.has(t.text)) {
        const known = [...variables].map(n => `'${n}'`).join(', ');
        throw fail(`reads '${t.text}', which is not the name of a trigger KEDA passes to the formula (${known || 'none: give the triggers a name'}); cpu and memory triggers are not passed`);
      }
      used.add(t.text);
      const name = t.text;
      return { type: 'number', evaluate: v => v[name] };
    }
    throw fail(`cannot be parsed: unexpected ${t.kind === 'end' ? 'end of formula' : `'${t.text}'`} at character ${t.at + 1}`);
  };

  const root = ternary();
  if (peek().kind !== 'end') throw fail(`cannot be parsed: unexpected '${peek().text}' at character ${peek().at + 1}`);
  // castToFloatIfNecessary wraps the formula in float(): a boolean result does not compile.
  if (root.type !== 'number') throw fail('cannot be compiled: the formula must give a number, not a boolean');
  return { variables: used, evaluate: values => root.evaluate(values) as number };
}

const COMPARE: Record<string, (a: number | boolean, b: number | boolean) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};
const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
};

function describe(t: Token): string {
  return t.kind === 'end' ? ' (end of formula)' : ` (found '${t.text}')`;
}

function tokenize(formula: string, fail: (rule: string) => Error): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < formula.length) {
    const c = formula[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const number = /^(\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?|\.\d[\d_]*([eE][+-]?\d+)?)/.exec(formula.slice(i));
    if (number) {
      tokens.push({ kind: 'number', text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(formula.slice(i));
    if (name) {
      tokens.push({ kind: 'name', text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find(o => formula.startsWith(o, i));
    if (op === undefined) {
      throw fail(`uses '${c}' at character ${i + 1}, which is not supported here: use numbers, trigger names, + - * / ** ^, comparisons, && || !, ?: and min, max, abs, ceil, floor, round, float, int`);
    }
    tokens.push({ kind: 'op', text: op, at: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', at: formula.length });
  return tokens;
}
