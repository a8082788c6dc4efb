import { App } from 'cdk8s';
import { GatewayInferentia } from '../../apps/gateway-inferentia';
import { REFERENCE_NEURON_VLLM_VERSION } from '../../apps/reference-neuron';
import { allOfKind, containerOf, liteLLMConfig, Manifest, oneOfKind, synth } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const NEURON_IMAGE = 'registry.example.com/ml/vllm-neuron:v0.11.0-neuron';
const POOLS = ['llama-3-1-8b-int8-neuron', 'qwen3-8b-fp8-neuron'];

describe('gateway on AWS Inferentia (scenario 1)', () => {
  const stack = new GatewayInferentia(new App(), 'gateway-inferentia', { neuronImage: NEURON_IMAGE });
  const manifests = synth(stack);
  const config = liteLLMConfig(manifests);
  const deployment = (name: string): Manifest => allOfKind(manifests, 'Deployment').find(d => d.metadata.name === name)!;

  test('every object is strictly valid, in namespace llm-gateway', () => {
    expectValidManifests(manifests);
    for (const m of manifests) expect(m.metadata.namespace).toBe('llm-gateway');
  });

  test('the gateway: a LoadBalancer Service named litellm on port 80 forwarding to 4000, keeping client addresses', () => {
    const service = allOfKind(manifests, 'Service').find(s => s.metadata.name === 'litellm')!;
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, targetPort: 4000 }] });
    expect(stack.proxy.url).toBe('http://litellm.llm-gateway.svc.cluster.local:80');
  });

  test('its NetworkPolicy names the load balancer\'s sources (typed CIDR) and Prometheus, not "the namespace"', () => {
    const np = allOfKind(manifests, 'NetworkPolicy').find(n => n.metadata.name === 'litellm')!;
    expect(np.spec.ingress.map((r: Manifest) => r.from)).toEqual([
      [{ ipBlock: { cidr: '10.0.0.0/16' } }],
      [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
    ]);
  });

  test('PostgreSQL by Secret reference, migrated by a hook Job; Redis response cache for 1 h', () => {
    expect(config.general_settings.database_url).toBe('os.environ/DATABASE_URL');
    const env = containerOf(deployment('litellm'), 'litellm').env;
    expect(env.find((e: Manifest) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef).toEqual({ name: 'litellm-postgres-app', key: 'uri' });
    expect(oneOfKind(manifests, 'Job').metadata.name).toBe('litellm-migrations');
    expect(config.litellm_settings.cache).toBe(true);
    expect(config.litellm_settings.cache_params).toMatchObject({ type: 'redis', ttl: 3600, host: 'redis-master.redis.svc.cluster.local', port: 6379 });
  });

  test('router: least-busy with pre-call checks, allowed_fails 3, cooldown 60 s, 2 retries, 120 s timeout, fallbacks both ways', () => {
    expect(config.router_settings).toMatchObject({
      routing_strategy: 'least-busy', enable_pre_call_checks: true, allowed_fails: 3, cooldown_time: 60, num_retries: 2, timeout: 120,
      fallbacks: [{ [POOLS[0]]: [POOLS[1]] }, { [POOLS[1]]: [POOLS[0]] }],
    });
  });

  test('the gateway\'s HPA: 2 to 10 on CPU 70 % and memory 80 %, up max(100 %, 2 pods)/60 s after 60 s, down min(50 %, 1 pod)/60 s after 300 s', () => {
    const hpa = oneOfKind(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'litellm' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 60, selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }, { type: 'Pods', value: 2, periodSeconds: 60 }],
        },
        scaleDown: {
          stabilizationWindowSeconds: 300, selectPolicy: 'Min',
          policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }, { type: 'Pods', value: 1, periodSeconds: 60 }],
        },
      },
    });
    const proxy = containerOf(deployment('litellm'), 'litellm');
    expect(proxy.resources.requests).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
  });

  test('two backends on Neuron pools: one Inferentia2 device per pod, tensor parallel over its two NeuronCores', () => {
    expect(config.model_list.map((m: Manifest) => [m.model_name, m.litellm_params.model])).toEqual(POOLS.map(p => [p, `hosted_vllm/${p}`]));
    for (const name of POOLS) {
      const vllm = containerOf(deployment(name), 'vllm');
      expect(vllm.image).toBe(NEURON_IMAGE);
      expect(vllm.resources.limits['aws.amazon.com/neuron']).toEqual(1);
      expect(vllm.resources.requests['aws.amazon.com/neuron']).toEqual(1);
      expect(vllm.args.join(' ')).toContain('--tensor-parallel-size 2');
    }
  });

  test('the Neuron image\'s vLLM (0.11) is declared: no --shutdown-timeout, a preStop drain instead; a 45-minute load budget', () => {
    expect(stack.llama.vllmVersion).toBe(REFERENCE_NEURON_VLLM_VERSION);
    for (const name of POOLS) {
      const vllm = containerOf(deployment(name), 'vllm');
      expect(vllm.args).not.toContain('--shutdown-timeout');
      expect(vllm.lifecycle.preStop.exec.command[0]).toBe('python3');
      expect(vllm.startupProbe.periodSeconds * vllm.startupProbe.failureThreshold).toBeGreaterThanOrEqual(45 * 60);
    }
  });

  test('each pool is autoscaled by KEDA on its own queue and KV cache, never on CPU', () => {
    const scaled = allOfKind(manifests, 'ScaledObject');
    expect(scaled.map(s => s.spec.scaleTargetRef.name).sort()).toEqual([...POOLS].sort());
    for (const so of scaled) {
      expect(so.spec.triggers.map((t: Manifest) => t.type)).toEqual(['prometheus', 'prometheus']);
      for (const t of so.spec.triggers) expect(t.metadata.query).toContain(`pool="${so.spec.scaleTargetRef.name}"`);
    }
    expect(allOfKind(manifests, 'HorizontalPodAutoscaler').map(h => h.spec.scaleTargetRef.name)).toEqual(['litellm']);
  });
});
