/**
 * Traffic traces of the what-if replay (issue 12 §3). Skeleton: signatures first, bodies follow.
 */

/** One point of a trace: the rate from `t` until the next point. */
export interface TracePoint {
  readonly t: number;
  readonly requestsPerSecond: number;
  readonly promptTokens?: number;
  readonly outputTokens?: number;
}

/** A Prometheus outage: every query errors in [from, to). */
export interface TraceOutage {
  readonly from: number;
  readonly to: number;
}

/** A traffic trace. */
export interface Trace {
  readonly name: string;
  readonly startTime: string;
  readonly stepSeconds: number;
  readonly points: TracePoint[];
  readonly outages: TraceOutage[];
}

/** The built-in trace shapes. */
export type BuiltinTraceName = 'surge' | 'diurnal' | 'spike' | 'ramp';

/** Options of the built-in traces. */
export interface BuiltinTraceOptions {
  readonly startTime?: string;
  readonly hours?: number;
  readonly stepSeconds?: number;
  readonly peakRequestsPerSecond?: number;
  readonly baseRequestsPerSecond?: number;
  readonly outages?: TraceOutage[];
}

/** Parses a CSV trace. */
export function parseTraceCsv(text: string, file: string): Trace {
  void text; void file;
  throw new Error('not implemented yet');
}

/** Parses a JSON trace. */
export function parseTraceJson(text: string, file: string): Trace {
  void text; void file;
  throw new Error('not implemented yet');
}

/** A built-in trace. */
export function builtinTrace(name: BuiltinTraceName, options?: BuiltinTraceOptions): Trace {
  void name; void options;
  throw new Error('not implemented yet');
}

/** Rate at time t (step interpolation). */
export function traceRateAt(trace: Trace, t: number): { requestsPerSecond: number; promptTokens?: number; outputTokens?: number } {
  void trace; void t;
  throw new Error('not implemented yet');
}
