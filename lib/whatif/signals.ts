import { MetricReading, PoolSnapshot, TriggerReading } from './_contract';
import { ReplayTarget } from './manifests';

/** How each HPA metric / KEDA trigger of the target reads the pool model. */
export interface SignalReader {
  /** HPA: index-aligned with spec.metrics; KEDA: index-aligned with triggers. */
  read(index: number, snapshot: PoolSnapshot, history: ReadonlyArray<PoolSnapshot>): MetricReading | TriggerReading;
  /** Per index: the query or metric it reads, and whether the model can produce it. */
  readonly describe: ReadonlyArray<SignalDescription>;
}

/** What one metric or trigger reads. */
export interface SignalDescription {
  /** Its index in spec.metrics (HPA) or spec.triggers (KEDA). */
  readonly index: number;
  /** The query or metric it reads, in words. */
  readonly source: string;
  /** Whether the pool model produces it. */
  readonly supported: boolean;
  /** Why not, when not supported; an assumption worth knowing otherwise. @default - none */
  readonly why?: string;
}

/** Options of the signal readers: assumptions for what the pool model does not produce. */
export interface SignalOptions {
  /** Memory usage per pod as a fraction of its memory request (memory does not follow load in the model). @default 0.5 */
  readonly memoryFractionOfRequest?: number;
}

/** Reads the metrics of an autoscaling/v2 HorizontalPodAutoscaler target. */
export function hpaSignalReader(target: ReplayTarget, options: SignalOptions = {}): SignalReader {
  void target; void options;
  throw new Error('not implemented yet');
}

/** Reads the triggers of a KEDA ScaledObject target. */
export function kedaSignalReader(target: ReplayTarget, options: SignalOptions = {}): SignalReader {
  void target; void options;
  throw new Error('not implemented yet');
}
