import { App } from 'cdk8s';
import { parse } from 'yaml';
import { ReferenceMonitoring } from '../../apps/reference-monitoring';
import { TIER_BUDGETS_PER_HOUR, TIER_PRICES, VllmAutoscaling } from '../../apps/vllm-autoscaling';
import { isCatalogSeries, promqlMetricNames, ScalingBehaviors } from '../../lib';
import { renderBehavior } from '../../lib/autoscaling/behavior';
import { checkRules, PromRule, requirePromtool, ruleGroupsByObject, ruleGroupsOf, tempDir, writeRuleFile } from '../util/promtool';
import { allOfKind, containerOf, liteLLMConfig, Manifest, oneOfKind, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const RUNBOOKS = 'https://runbooks.example.com/llm-serving';

/** The scenario with the cluster's monitoring stack it plugs into (the adapter), in a fresh App. */
function build() {
  const app = new App();
  const monitoring = new ReferenceMonitoring(app, 'reference-monitoring');
  const stack = new VllmAutoscaling(app, 'vllm-autoscaling', { adapter: monitoring.adapter, runbookBaseUrl: RUNBOOKS });
  return { stack, manifests: synth(stack), monitoringManifests: synth(monitoring) };
}

describe('vLLM autoscaling module (scenario 4)', () => {
  const { stack, manifests, monitoringManifests } = build();
  const deployment = (name: string): Manifest => allOfKind(manifests, 'Deployment').find(d => d.metadata.name === name)!;
  const scaledObject = (target: string): Manifest => allOfKind(manifests, 'ScaledObject').find(s => s.spec.scaleTargetRef.name === target)!;
  const adapterRules = parse(oneOfKind(monitoringManifests, 'ConfigMap', 'prometheus-adapter').data['config.yaml']).rules as Manifest[];
  const rules: PromRule[] = ruleGroupsOf(manifests).flatMap(g => g.rules);
  const alertsOf = (alert: string): PromRule[] => rules.filter(r => r.alert === alert);

  test('every object is strictly valid, in namespace llm-autoscaling', () => {
    expectValidManifests([...manifests, ...monitoringManifests]);
    for (const m of manifests) expect(m.metadata.namespace).toBe('llm-autoscaling');
  });

  test('one replica owner per Deployment: the HPA pool and the KEDA pools never share one', () => {
    const owners = [
      ...allOfKind(manifests, 'HorizontalPodAutoscaler').map(h => h.spec.scaleTargetRef.name),
      ...allOfKind(manifests, 'ScaledObject').map(s => s.spec.scaleTargetRef.name),
    ].sort();
    expect(owners).toEqual(['litellm', 'llama-70b-hpa', 'llama-70b-keda', 'llama-8b', 'qwen-1-5b-mig']);
    for (const d of allOfKind(manifests, 'Deployment')) expect(d.spec.replicas).toBeUndefined();
  });

  describe('multi-signal HPA through prometheus-adapter', () => {
    const hpa = allOfKind(manifests, 'HorizontalPodAutoscaler').find(h => h.spec.scaleTargetRef.name === 'llama-70b-hpa')!;

    test('GPU utilization per pod at 70 (%), 8 requests waiting per pod and the pool\'s recorded p95 TTFT at 3 s, one pod per 3 minutes up', () => {
      expect(hpa.spec).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
      expect(hpa.spec.metrics).toEqual([
        { type: 'Pods', pods: { metric: { name: 'llama_70b_hpa_gpu_utilization' }, target: { type: 'AverageValue', averageValue: 70 } } },
        { type: 'Pods', pods: { metric: { name: 'llama_70b_hpa_num_requests_waiting' }, target: { type: 'AverageValue', averageValue: 8 } } },
        {
          type: 'Object',
          object: {
            describedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'llama-70b-hpa' },
            metric: { name: 'namespace_pool_vllm_time_to_first_token_seconds_p95_5m_llama_70b_hpa' },
            target: { type: 'Value', value: 3 },
          },
        },
      ]);
      expect(hpa.spec.behavior).toEqual(renderBehavior(ScalingBehaviors.GPU_POOL));
    });

    test('the adapter averages a 4-GPU pod\'s utilization over its GPUs (summed it would read 400 %), for this pool\'s pods only', () => {
      expect(containerOf(deployment('llama-70b-hpa'), 'vllm').resources.limits['nvidia.com/gpu']).toEqual(4);
      const util = adapterRules.find(r => r.name.as === 'llama_70b_hpa_gpu_utilization')!;
      expect(util.metricsQuery).toBe('avg(<<.Series>>{<<.LabelMatchers>>,pod=~"llama-70b-hpa-[a-z0-9]+-[a-z0-9]+"}) by (<<.GroupBy>>)');
      expect(util.seriesQuery).toBe('{__name__="DCGM_FI_DEV_GPU_UTIL",namespace="llm-autoscaling",pod=~"llama-70b-hpa-[a-z0-9]+-[a-z0-9]+"}');
      const waiting = adapterRules.find(r => r.name.as === 'llama_70b_hpa_num_requests_waiting')!;
      expect(waiting.metricsQuery).toBe('sum(<<.Series>>{<<.LabelMatchers>>,pool="llama-70b-hpa",model_name="llama-3-3-70b"}) by (<<.GroupBy>>)');
    });
  });

  describe('the KEDA alternative on the same workload', () => {
    const so = scaledObject('llama-70b-keda');
    const byName = Object.fromEntries(so.spec.triggers.map((t: Manifest) => [t.name, t]));

    test('the same signals as triggers (pool-wide GPU utilization as a ratio, queue per replica), plus the predicted queue and a pre-warm', () => {
      expect(so.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 3 });
      expect(Object.keys(byName)).toEqual(['gpu_utilization', 'queue_depth', 'predicted_queue_depth', 'prewarm_0']);
      expect(byName.gpu_utilization.metadata).toMatchObject({
        query: 'avg(DCGM_FI_DEV_GPU_UTIL{namespace="llm-autoscaling",pod=~"llama-70b-keda-[a-z0-9]+-[a-z0-9]+"}) / 100', threshold: '0.7',
      });
      expect(byName.queue_depth.metadata.query).toBe('sum(vllm:num_requests_waiting{namespace="llm-autoscaling",pool="llama-70b-keda",model_name="llama-3-3-70b"})');
    });

    test('predictive: the queue 15 minutes ahead from a 30-minute linear fit, never below 0', () => {
      expect(byName.predicted_queue_depth.metadata.query)
        .toBe(`clamp_min(predict_linear(${byName.queue_depth.metadata.query}[1800s:30s], 900), 0)`);
    });

    test('business hours: two warm replicas from 7:30 to 19:00 on weekdays, Berlin time', () => {
      expect(byName.prewarm_0).toMatchObject({
        type: 'cron', metadata: { timezone: 'Europe/Berlin', start: '30 7 * * 1-5', end: '0 19 * * 1-5', desiredReplicas: '2' },
      });
    });
  });

  test('bin-pack vs spread: the 4-GPU pools prefer nodes running their pods; the 1-GPU pool spreads over nodes and zones', () => {
    for (const name of ['llama-70b-hpa', 'llama-70b-keda']) {
      const spec = deployment(name).spec.template.spec;
      expect(spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
      expect(spec.topologySpreadConstraints).toBeUndefined();
    }
    const spread = deployment('llama-8b').spec.template.spec;
    expect(spread.topologySpreadConstraints.map((c: Manifest) => c.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    expect(spread.affinity?.podAffinity).toBeUndefined();
  });

  test('a MIG pool: one 1g.10gb slice per pod, scaled on its queue and KV cache (never on GPU_UTIL, 0 on MIG)', () => {
    expect(containerOf(deployment('qwen-1-5b-mig'), 'vllm').resources.limits).toMatchObject({ 'nvidia.com/mig-1g.10gb': 1 });
    const queries = scaledObject('qwen-1-5b-mig').spec.triggers.map((t: Manifest) => t.metadata.query).join('\n');
    expect(queries).not.toContain('DCGM_FI_DEV_GPU_UTIL');
    expect(queries).toContain('vllm:num_requests_waiting');
  });

  test('scale to zero with a wake signal: the proxy\'s requests for the batch tier, which exist while the pool has no pod', () => {
    const so = scaledObject('qwen-1-5b-mig');
    expect(so.spec.minReplicaCount).toBe(0);
    const wake = so.spec.triggers.find((t: Manifest) => t.name === 'proxy_request_rate');
    expect(wake.metadata.query).toBe('sum(rate(litellm_proxy_total_requests_metric_total{namespace="llm-autoscaling",requested_model="batch"}[2m]))');
    expect(wake.metadata.activationThreshold).toBe('0');
  });

  test('service tiers are model groups with per-token prices in model_info', () => {
    const models = liteLLMConfig(manifests).model_list as Manifest[];
    const tiers = Object.fromEntries(['premium', 'standard', 'batch'].map(t => [t, models.filter(m => m.model_name === t)]));
    expect(tiers.premium.map(m => m.litellm_params.model)).toEqual(['hosted_vllm/llama-3-3-70b', 'hosted_vllm/llama-3-3-70b']);
    expect(tiers.standard.map(m => m.litellm_params.model)).toEqual(['hosted_vllm/llama-3-1-8b']);
    expect(tiers.batch.map(m => m.litellm_params.model)).toEqual(['hosted_vllm/qwen2-5-1-5b']);
    for (const [tier, entries] of Object.entries(tiers)) {
      const prices = TIER_PRICES[tier as keyof typeof TIER_PRICES];
      for (const m of entries) expect(m.model_info).toEqual({ input_cost_per_token: prices.inputCostPerToken, output_cost_per_token: prices.outputCostPerToken });
    }
    expect(liteLLMConfig(manifests).router_settings.fallbacks).toEqual([{ premium: ['standard'] }]);
    expect(stack.tiers.premium.name).toBe('premium');
  });

  describe('recording rules', () => {
    test('every pool and tier recorded; the standard pool\'s KEDA reads its recorded p99 TTFT as it is', () => {
      const records = rules.filter(r => r.record !== undefined);
      expect(records.filter(r => r.record === 'namespace_pool:vllm_time_to_first_token_seconds:p95_5m').map(r => r.labels!.pool))
        .toEqual(['llama-70b-hpa', 'llama-70b-keda', 'llama-8b', 'qwen-1-5b-mig']);
      expect(records.filter(r => r.record!.startsWith('namespace_requested_model:'))).toHaveLength(3);
      const recorded = scaledObject('llama-8b').spec.triggers.find((t: Manifest) => t.name === 'recorded_vllm_time_to_first_token_seconds_p99_5m');
      expect(recorded).toMatchObject({
        metricType: 'Value',
        metadata: { query: 'max(namespace_pool:vllm_time_to_first_token_seconds:p99_5m{namespace="llm-autoscaling",pool="llama-8b",model_name="llama-3-1-8b"})', threshold: '2' },
      });
      const ttft = adapterRules.find(r => r.name.as === 'namespace_pool_vllm_time_to_first_token_seconds_p95_5m_llama_70b_hpa')!;
      expect(ttft.metricsQuery).toBe('max(<<.Series>>{<<.LabelMatchers>>,model_name="llama-3-3-70b"}) by (<<.GroupBy>>)');
      expect(ttft.resources.overrides.pool).toEqual({ group: 'apps', resource: 'deployment' });
    });
  });

  describe('alerts', () => {
    test('rapid scaling on every autoscaler (the proxy, the HPA pool, the three KEDA pools)', () => {
      expect(alertsOf('LlmAutoscalerRapidScaling').map(r => r.labels!.horizontalpodautoscaler).sort())
        .toEqual(['keda-hpa-llama-70b-keda', 'keda-hpa-llama-8b', 'keda-hpa-qwen-1-5b-mig', 'litellm', 'llama-70b-hpa']);
    });

    test('failures: unable to scale, KEDA scaler errors, no ready replica, the batch pool stuck at zero', () => {
      expect(alertsOf('LlmAutoscalerUnableToScale')).toHaveLength(5);
      expect(alertsOf('LlmKedaScalerErrors').map(r => r.labels!.scaledObject).sort()).toEqual(['llama-70b-keda', 'llama-8b', 'qwen-1-5b-mig']);
      expect(alertsOf('LlmPoolNoReadyReplica')).toHaveLength(4);
      expect(alertsOf('LlmPoolStuckAtZero').map(r => r.labels!.pool)).toEqual(['qwen-1-5b-mig']);
    });

    test('capacity exhaustion: at max replicas, accelerator pods pending, the accelerator budget', () => {
      expect(alertsOf('LlmAutoscalerAtMaxReplicas')).toHaveLength(5);
      expect(alertsOf('LlmAcceleratorPodsPending')).toHaveLength(4);
      const budget = alertsOf('LlmAcceleratorBudgetExceeded');
      expect(budget).toHaveLength(1);
      expect(budget[0].expr).toMatch(/resource=~"nvidia_com_gpu\|nvidia_com_mig_1g_10gb"\}\) > 28$/);
    });

    test('cost per tier: tokens of the tier\'s pools times its prices, per hour, against its budget', () => {
      const cost = alertsOf('LlmTierCostOverBudget');
      expect(cost.map(r => r.labels!.model_group)).toEqual(['premium', 'standard', 'batch']);
      const premium = cost[0];
      expect(premium.expr).toContain('vllm:prompt_tokens_total{namespace="llm-autoscaling",pool="llama-70b-hpa",model_name="llama-3-3-70b"}');
      expect(premium.expr).toContain('vllm:generation_tokens_total{namespace="llm-autoscaling",pool="llama-70b-keda",model_name="llama-3-3-70b"}');
      expect(premium.expr).toContain(`* ${TIER_PRICES.premium.outputCostPerToken}`);
      expect(premium.expr).toMatch(new RegExp(`\\* 3600 > ${TIER_BUDGETS_PER_HOUR.premium}$`));
      for (const r of cost) for (const series of promqlMetricNames(r.expr)) expect(isCatalogSeries(series)).toBe(true);
    });

    test('promtool check rules accepts every group', () => {
      requirePromtool();
      // One file for all objects: group names carry their object's (each pool's object has its own llm-serving).
      const r = checkRules(writeRuleFile(tempDir('vllm-autoscaling-'), ruleGroupsByObject(manifests)));
      expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining(`SUCCESS: ${rules.length} rules found`) });
    });

    test('the MIG pool\'s underuse reads graphics-engine activity, the whole-GPU pools DCGM_FI_DEV_GPU_UTIL', () => {
      const underused = Object.fromEntries(alertsOf('LlmGpuUnderused').map(r => [r.labels!.pool, r.expr]));
      expect(underused['qwen-1-5b-mig']).toContain('DCGM_FI_PROF_GR_ENGINE_ACTIVE');
      expect(underused['llama-8b']).toContain('DCGM_FI_DEV_GPU_UTIL');
    });
  });
});
