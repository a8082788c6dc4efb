import { DashboardSpec, templated } from './_model';
import { DashboardPanel } from './dashboard-panel';
import { poolName } from '../metrics/_pool-identity';
import { DcgmMetrics } from '../metrics/catalog';
import { ScopedMetric } from '../metrics/scoped-metric';
import { AcceleratorKind } from '../vllm/accelerator';
import type { ServingPool } from '../vllm/serving-pool';

const NS = { namespace: 'namespace' };

/**
 * The Accelerators dashboard: dcgm-exporter series of the picked pools' GPUs, per pool (the pods
 * `<pool>-<hash>-<hash>`, the pattern the pools' GPU helpers select): utilization on whole GPUs,
 * graphics-engine activity (the measure that also works on MIG slices, where
 * `DCGM_FI_DEV_GPU_UTIL` reads 0, NVIDIA/dcgm-exporter #216), framebuffer used and free, and
 * temperature.
 * @internal
 */
export function acceleratorsDashboard(uid: string, pools: readonly ServingPool[]): DashboardSpec {
  const sample = pools[0];
  const engine = sample.metricGpuEngineActive();
  // A pool's pod pattern is its name and a suffix (`-[a-z0-9]+-[a-z0-9]+` for a Deployment's
  // pods, `-[0-9]+(-[0-9]+)?` for a LeaderWorkerSet's); the variable picks the pool.
  const suffixes = [...new Set(pools.map(podSuffix))];
  const suffix = suffixes.length === 1 ? suffixes[0] : `(?:${suffixes.join('|')})`;
  const podOf = (label: string) => label === 'pod' || label === 'exported_pod'
    ? `($pool)${suffix}` : undefined;
  const sel = (m: ScopedMetric) => templated(m, NS, '', podOf);
  // The pool of a pod: any name before a Deployment's two hash segments. Otherwise (a
  // LeaderWorkerSet's worker `<name>-0-1` would also fit a pool `<name>-0`) each pool's own
  // name and suffix, one capture group each (the others match nothing), longest name first.
  const exact = pools.map(p => ({ name: poolName(p), suffix: nonCapturing(podSuffix(p)) })).sort((a, b) => b.name.length - a.name.length);
  const [poolOfPod, replacement] = suffixes.length === 1 && suffixes[0] === DEPLOYMENT_POD_SUFFIX
    ? [`(.+)${DEPLOYMENT_POD_SUFFIX}`, '$1']
    : [exact.map(e => `(${e.name})${e.suffix}`).join('|'), exact.map((_, i) => `\${${i + 1}}`).join('')];
  const byPool = (agg: string, m: ScopedMetric) => `${agg} by (pool) (label_replace(${sel(m)}, "pool", ${JSON.stringify(replacement)}, "pod", ${JSON.stringify(poolOfPod)}))`;
  const like = (definition: typeof DcgmMetrics.FB_USED) => new ScopedMetric(definition, engine.matchers, engine.regexMatchers);
  const whole = pools.find(p => p.accelerator.kind === AcceleratorKind.NVIDIA_GPU);
  const panels: DashboardPanel[] = [
    {
      row: 'Utilization', title: 'Graphics engine active (whole GPUs and MIG)', unit: 'percentunit',
      description: 'How busy are the pool\'s GPUs or MIG slices (DCGM_FI_PROF_GR_ENGINE_ACTIVE, 0 to 1, valid on MIG)?',
      queries: [{ expr: byPool('avg', engine), legend: '{{pool}}' }],
    },
    ...(whole ? [{
      row: 'Utilization', title: 'GPU utilization (whole GPUs only)', unit: 'percent',
      description: 'How busy are whole GPUs (DCGM_FI_DEV_GPU_UTIL, 0 to 100)? Reads 0 on MIG slices: use the engine-active panel there.',
      queries: [{ expr: byPool('avg', new ScopedMetric(whole.metricGpuUtilization().definition, engine.matchers, engine.regexMatchers)), legend: '{{pool}}' }],
    }] : []),
    {
      row: 'Memory', title: 'Framebuffer used', unit: 'decmbytes',
      description: 'How much GPU memory do the pool\'s pods hold (vLLM preallocates most of it for weights and KV cache)?',
      queries: [{ expr: byPool('sum', like(DcgmMetrics.FB_USED)), legend: '{{pool}}' }],
    },
    {
      row: 'Memory', title: 'Framebuffer used ratio', unit: 'percentunit',
      description: 'How close to full is GPU memory?',
      queries: [{ expr: `${byPool('sum', like(DcgmMetrics.FB_USED))} / (${byPool('sum', like(DcgmMetrics.FB_USED))} + ${byPool('sum', like(DcgmMetrics.FB_FREE))})`, legend: '{{pool}}' }],
    },
    {
      row: 'Health', title: 'GPU temperature (max)', unit: 'celsius',
      description: 'Is a GPU running hot (throttling lowers throughput)?',
      queries: [{ expr: byPool('max', like(DcgmMetrics.GPU_TEMP)), legend: '{{pool}}' }],
    },
  ];
  return {
    uid,
    title: 'LLM serving / Accelerators',
    description: 'NVIDIA GPUs of the vLLM pools (dcgm-exporter): engine activity (MIG-aware), utilization, framebuffer, temperature, per pool.',
    tags: ['llm-serving', 'accelerators', 'dcgm'],
    variables: [
      { name: 'namespace', label: 'Namespace', values: [...new Set(pools.map(p => p.namespace))] },
      { name: 'pool', label: 'Pool', values: pools.map(poolName) },
    ],
    panels,
  };
}

/** The suffix of a Deployment's pod names: ReplicaSet hash, pod hash. */
const DEPLOYMENT_POD_SUFFIX = '-[a-z0-9]+-[a-z0-9]+';

/** The part of `pool`'s pod-name pattern after its name (`ServingPool.podNamePattern` starts with it). */
function podSuffix(pool: ServingPool): string {
  const name = poolName(pool);
  const pattern = pool.podNamePattern;
  return pattern.startsWith(name) ? pattern.slice(name.length) : '-.+';
}

/** `pattern` with every capture group made non-capturing: `(x)` becomes `(?:x)`. */
function nonCapturing(pattern: string): string {
  return pattern.replace(/\((?!\?)/g, '(?:');
}
