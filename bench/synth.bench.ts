/**
 * Synth time and memory as the fleet grows: one autoscaled LiteLLM proxy fronting N vLLM pools,
 * one model group each, each pool autoscaled by KEDA (queue depth, KV cache, wake from zero),
 * scraped by a PodMonitor, with the alert rules of every pool in one PrometheusRule.
 * Run with `npm run bench`; prints a table, asserts nothing (timings are machine-dependent).
 */
import { App, Chart } from 'cdk8s';
import { Accelerator, LiteLLMProxy, LlmSignal, ServingAlerts, VllmPool } from '../lib';

function synthFleet(models: number): { ms: number; heapMiB: number; objects: number } {
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  const app = new App({ outdir: '/tmp/cdk8s-llm-serving-bench' });
  const chart = new Chart(app, 'fleet', { namespace: 'llm' });
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
  proxy.autoscale();
  const discovery = { labels: { release: 'kube-prometheus-stack' } };
  const pools: VllmPool[] = [];
  const prometheus = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
  for (let i = 0; i < models; i++) {
    const pool = new VllmPool(chart, `pool-${i}`, { model: `org/model-${i}`, accelerator: Accelerator.nvidiaGpu(1) });
    const group = proxy.addBackend(pool);
    pool.autoscale({ prometheus, minReplicas: 0, maxReplicas: 4, wakeOn: LlmSignal.proxyRequestRate(proxy, group, 5) });
    pool.monitor(discovery);
    pools.push(pool);
  }
  proxy.monitor(discovery);
  new ServingAlerts(chart, 'alerts', { pools, proxy, discovery, runbookBaseUrl: 'https://runbooks.example.com/llm' });
  const objects = app.synthYaml().split('\n---\n').length;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, heapMiB: (process.memoryUsage().heapUsed - before) / 2 ** 20, objects };
}

synthFleet(1); // warm-up: module loading and JIT
console.log(' pools  objects  synth ms  heap delta MiB');
for (const n of [1, 10, 50, 200]) {
  const r = synthFleet(n);
  console.log(`${String(n).padStart(6)}  ${String(r.objects).padStart(7)}  ${r.ms.toFixed(1).padStart(8)}  ${r.heapMiB.toFixed(1).padStart(14)}`);
}
