import {
  Accelerator, ALL_METRICS, EppMetrics, MetricType, ScrapeMetrics, VllmPool, catalogMetric, eppMetricKvCacheUtilization, eppMetricPerPodQueueSize,
  eppMetricQueueSize, eppMetricReadyPods, eppMetricRequestDuration, eppMetricRequestErrors, eppMetricRequests, eppMetricRunningRequests,
  eppMetricSchedulerDuration, eppMetricUp, isCatalogSeries, removedMetric,
} from '../../lib';
import { FakeEndpointPicker } from '../alerts/epp-fake';
import { SCRAPER, testChart } from '../util/synth';

function picker(): FakeEndpointPicker {
  const chart = testChart('models');
  const pool = new VllmPool(chart, 'llama', { model: 'org/llama', servedModelName: 'llama-model', accelerator: Accelerator.nvidiaGpu(1) });
  const epp = new FakeEndpointPicker(chart, 'inference-pool', { poolName: 'llama-pool', modelPool: pool });
  epp.monitor({ labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER });
  return epp;
}

describe('EppMetrics in the catalog (gateway-api-inference-extension v1.5.0 pkg/epp/metrics)', () => {
  test('names, types and labels as the EPP registers them', () => {
    expect(Object.values(EppMetrics).map(m => [m.name, m.type, m.labels])).toEqual([
      ['inference_pool_ready_pods', MetricType.GAUGE, ['name']],
      ['inference_pool_average_kv_cache_utilization', MetricType.GAUGE, ['name']],
      ['inference_pool_average_queue_size', MetricType.GAUGE, ['name']],
      ['inference_pool_average_running_requests', MetricType.GAUGE, ['name']],
      ['inference_pool_per_pod_queue_size', MetricType.GAUGE, ['name', 'model_server_pod']],
      ['inference_objective_request_total', MetricType.COUNTER, ['model_name', 'target_model_name', 'priority']],
      ['inference_objective_request_error_total', MetricType.COUNTER, ['model_name', 'target_model_name', 'error_code']],
      ['inference_objective_request_duration_seconds', MetricType.HISTOGRAM, ['model_name', 'target_model_name']],
      ['inference_objective_running_requests', MetricType.GAUGE, ['model_name']],
      ['inference_objective_normalized_time_per_output_token_seconds', MetricType.HISTOGRAM, ['model_name', 'target_model_name']],
      ['inference_extension_scheduler_e2e_duration_seconds', MetricType.HISTOGRAM, []],
      ['inference_extension_scheduler_attempts_total', MetricType.COUNTER, ['status', 'target_model_name', 'pod_name', 'namespace', 'port']],
      ['inference_extension_info', MetricType.GAUGE, ['commit', 'build_ref']],
    ]);
  });

  test('part of ALL_METRICS, with up: catalog series for custom rules and dashboards, none of them removed', () => {
    for (const m of [...Object.values(EppMetrics), ScrapeMetrics.UP]) {
      expect(ALL_METRICS).toContain(m);
      expect(catalogMetric(m.name)).toBe(m);
      expect(removedMetric(m.name)).toBeUndefined();
    }
    expect(isCatalogSeries('inference_objective_request_duration_seconds_bucket')).toBe(true);
    expect(isCatalogSeries('inference_extension_scheduler_e2e_duration_seconds_count')).toBe(true);
    expect(isCatalogSeries('inference_pool_ready_pods_bucket')).toBe(false);
    expect(isCatalogSeries('up')).toBe(true);
  });
});

describe('eppMetric*(): the series of one EPP, scoped by its ServiceMonitor\'s target labels', () => {
  const epp = picker();
  const target = '{namespace="models",service="llama-pool-epp"}';
  const pool = '{namespace="models",service="llama-pool-epp",name="llama-pool"}';

  test('InferencePool series add the pool\'s name', () => {
    expect(eppMetricReadyPods(epp).selector).toBe(`inference_pool_ready_pods${pool}`);
    expect(eppMetricKvCacheUtilization(epp).selector).toBe(`inference_pool_average_kv_cache_utilization${pool}`);
    expect(eppMetricQueueSize(epp).selector).toBe(`inference_pool_average_queue_size${pool}`);
    expect(eppMetricRunningRequests(epp).selector).toBe(`inference_pool_average_running_requests${pool}`);
    expect(eppMetricPerPodQueueSize(epp).selector).toBe(`inference_pool_per_pod_queue_size${pool}`);
  });

  test('the EPP\'s other series and up: its target labels', () => {
    expect(eppMetricUp(epp).selector).toBe(`up${target}`);
    expect(eppMetricRequests(epp).selector).toBe(`inference_objective_request_total${target}`);
    expect(eppMetricRequestErrors(epp).selector).toBe(`inference_objective_request_error_total${target}`);
    expect(eppMetricRequestDuration(epp).bucketSelector).toBe(`inference_objective_request_duration_seconds_bucket${target}`);
    expect(eppMetricSchedulerDuration(epp).bucketSelector).toBe(`inference_extension_scheduler_e2e_duration_seconds_bucket${target}`);
  });

  test('the labels match what the ServiceMonitor selects and where', () => {
    const sm = epp.serviceMonitor!.resource.toJson();
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['models'] });
    expect(epp.service.name).toBe('llama-pool-epp');
    expect(eppMetricUp(epp).matchers).toEqual({ namespace: 'models', service: 'llama-pool-epp' });
  });

  test('plain JavaScript: something that is no EPP', () => {
    expect(() => eppMetricReadyPods(undefined as any)).toThrow(new Error('\'epp\' (undefined) must be an EndpointPicker (the InferencePool construct of lib/gateway)'));
    expect(() => eppMetricUp({ poolName: 'llama-pool', namespace: 'models' } as any)).toThrow(new Error(
      '\'epp.service\' (undefined) must be the EPP\'s cdk8s-plus Service'));
  });
});
