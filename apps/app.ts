import { App, AppProps } from 'cdk8s';
import { GatewayInferentia } from './gateway-inferentia';
import { ReferenceMonitoring } from './reference-monitoring';
import { ReferenceNeuronPools } from './reference-neuron';
import { DISCOVERY, ReferencePlatform } from './reference-platform';
import { OpenShiftScenario } from './openshift';
import { QueueWorkerScenario } from './queue-worker';
import { SingleModelGpu } from './single-model-gpu';
import { VllmAutoscaling } from './vllm-autoscaling';
import { RecordingRules, ServingAlerts, ServingDashboards } from '../lib';

/**
 * The Neuron image of the reference stack: a placeholder for the vLLM Neuron image you
 * build (vllm-project/vllm-neuron 0.2.0, which installs vLLM 0.11.0: the version
 * `REFERENCE_NEURON_VLLM_VERSION` declares) and push to your registry.
 */
export const REFERENCE_NEURON_IMAGE = 'registry.example.com/ml/vllm-neuron:v0.11.0-neuron';

/** Where the reference alerts link: replace with your runbooks (the README's alert list has their content). */
export const REFERENCE_RUNBOOKS = 'https://runbooks.example.com/llm-serving';

/** Every reference stack, in one App: what `npm run synth` writes to dist/. */
export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  const platform = new ReferencePlatform(app, 'reference-platform');
  const monitoring = new ReferenceMonitoring(app, 'reference-monitoring');
  const neuron = new ReferenceNeuronPools(app, 'reference-neuron', {
    proxy: platform.proxy, neuronImage: REFERENCE_NEURON_IMAGE, adapter: monitoring.adapter,
  });
  const pools = [platform.llama8b, platform.qwen8b, platform.llama70b, platform.qwenSmall, platform.llama405b, neuron.llama8b, neuron.qwen8b];
  new ServingAlerts(monitoring, 'llm-serving-alerts', {
    proxy: platform.proxy,
    pools,
    discovery: DISCOVERY,
    runbookBaseUrl: REFERENCE_RUNBOOKS,
    acceleratorBudget: 24,
    endpointPickers: [platform.qwen8bRouted.endpointPicker],
  });
  // Latency quantiles, throughput and ratios per pool and per model group, as plain series
  // for dashboards, autoscalers and alerts.
  const recordingRules = new RecordingRules(monitoring, 'llm-recording-rules', { proxy: platform.proxy, pools, discovery: DISCOVERY });
  // Gateway, Model pool, Autoscaling (every HPA and ScaledObject of the App) and Accelerators
  // dashboards, as ConfigMaps for kube-prometheus-stack's Grafana sidecar; the quantile panels
  // read the recorded series.
  new ServingDashboards(monitoring, 'llm-dashboards', {
    proxy: platform.proxy, pools, recordingRules, endpointPickers: [platform.qwen8bRouted.endpointPicker],
  });
  new OpenShiftScenario(app, 'openshift');
  new QueueWorkerScenario(app, 'queue-worker');
  // Scenario stacks (issue 11 §1): each its own chart file in dist/; the cluster's one
  // prometheus-adapter (reference-monitoring) serves their Pods metrics.
  new GatewayInferentia(app, 'gateway-inferentia', { neuronImage: REFERENCE_NEURON_IMAGE });
  new VllmAutoscaling(app, 'vllm-autoscaling', { adapter: monitoring.adapter, runbookBaseUrl: REFERENCE_RUNBOOKS });
  new SingleModelGpu(app, 'single-model-gpu', { adapter: monitoring.adapter });
  return app;
}
