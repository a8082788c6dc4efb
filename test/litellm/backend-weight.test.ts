import { Chart } from 'cdk8s';
import { Accelerator, LiteLLMProxy, LiteLLMProxyProps, RoutingStrategy, VllmPool } from '../../lib';
import { liteLLMConfig, Manifest, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

// litellm_params.weight: simple-shuffle picks a deployment at random weighted by `weight`,
// reading the first deployment's weight and defaulting the others to 0
// (BerriAI/litellm litellm/router_strategy/simple_shuffle.py).

const MASTER_KEY = { secretName: 'litellm', key: 'master-key' };

function pools(chart: Chart): [VllmPool, VllmPool] {
  const make = (id: string): VllmPool => new VllmPool(chart, id, { model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama-3-1-8b', accelerator: Accelerator.nvidiaGpu(1) });
  return [make('llama-spot'), make('llama-on-demand')];
}

function setup(proxyProps: Partial<LiteLLMProxyProps> = {}): { chart: Chart; proxy: LiteLLMProxy; spot: VllmPool; onDemand: VllmPool } {
  const chart = testChart();
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: MASTER_KEY, ...proxyProps });
  const [spot, onDemand] = pools(chart);
  return { chart, proxy, spot, onDemand };
}

describe('BackendOptions.weight', () => {
  test('90/10 across two pools of one model group under simple-shuffle (the default)', () => {
    const { chart, proxy, spot, onDemand } = setup();
    proxy.addBackend(spot, { weight: 9 });
    proxy.addBackend(onDemand, { weight: 1 });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    const entries = liteLLMConfig(manifests).model_list.filter((m: Manifest) => m.model_name === 'llama-3-1-8b');
    expect(entries.map((e: Manifest) => [e.litellm_params.api_base, e.litellm_params.weight])).toEqual([
      ['http://llama-spot.llm.svc.cluster.local:8000/v1', 9],
      ['http://llama-on-demand.llm.svc.cluster.local:8000/v1', 1],
    ]);
    expect(liteLLMConfig(manifests).router_settings.routing_strategy).toBe('simple-shuffle');
  });

  test('a weight on only some deployments of a group is refused at synth', () => {
    const { chart, proxy, spot, onDemand } = setup();
    proxy.addBackend(spot, { weight: 9 });
    proxy.addBackend(onDemand);
    expect(() => synth(chart)).toThrow('\'models[0].weight\' (9) is set on only some deployments of model group "llama-3-1-8b": LiteLLM then gives the others weight 0 or ignores every weight; set it on all of them');
  });

  test('a weight under another routing strategy is refused at synth', () => {
    const { chart, proxy, spot, onDemand } = setup({ router: { routingStrategy: RoutingStrategy.LEAST_BUSY } });
    proxy.addBackend(spot, { weight: 9 });
    proxy.addBackend(onDemand, { weight: 1 });
    expect(() => synth(chart)).toThrow('\'models[0].weight\' (9) is read only by the simple-shuffle routing strategy, not least-busy: drop it or route with RoutingStrategy.SIMPLE_SHUFFLE');
  });

  test.each([0, -1, 1.5, NaN])('weight %p is refused', (weight) => {
    const { proxy, spot } = setup();
    expect(() => proxy.addBackend(spot, { weight })).toThrow(new Error(`'models[0].weight' (${weight}) must be a whole number greater than 0`));
  });
});
