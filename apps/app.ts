import { App, AppProps } from 'cdk8s';
import { ReferenceNeuronPools } from './reference-neuron';
import { ReferencePlatform } from './reference-platform';

/**
 * The Neuron image of the reference stack: a placeholder for the vLLM Neuron image you
 * build (vllm-project/vllm-neuron) and push to your registry.
 */
export const REFERENCE_NEURON_IMAGE = 'registry.example.com/ml/vllm-neuron:v0.11.0-neuron';

/** Every reference stack, in one App: what `npm run synth` writes to dist/. */
export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  const platform = new ReferencePlatform(app, 'reference-platform');
  new ReferenceNeuronPools(app, 'reference-neuron', { proxy: platform.proxy, neuronImage: REFERENCE_NEURON_IMAGE });
  return app;
}
