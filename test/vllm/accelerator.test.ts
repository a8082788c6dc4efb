import { Accelerator, AcceleratorKind, NvidiaGpuOptions } from '../../lib/vllm/accelerator';

describe('Accelerator', () => {
  test('NVIDIA GPUs: nvidia.com/gpu × count, devices for parallelism, taint tolerated, optional product selector', () => {
    const gpu = Accelerator.nvidiaGpu(4, { product: 'NVIDIA-H100-80GB-HBM3' });
    expect(gpu.kind).toBe(AcceleratorKind.NVIDIA_GPU);
    expect(gpu.resources).toEqual({ 'nvidia.com/gpu': 4 });
    expect(gpu.devicesPerPod).toBe(4);
    expect(gpu.taintKey).toBe('nvidia.com/gpu');
    expect(gpu.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
    expect(Accelerator.nvidiaGpu(1).nodeSelector).toEqual({});
  });

  test('MIG mixed strategy: one nvidia.com/mig-<profile> slice, one device, GPU taint', () => {
    const mig = Accelerator.mig('3g.20gb');
    expect(mig.resources).toEqual({ 'nvidia.com/mig-3g.20gb': 1 });
    expect(mig.devicesPerPod).toBe(1);
    expect(mig.taintKey).toBe('nvidia.com/gpu');
  });

  test('AMD and Neuron request their device-plugin resources and need a named image', () => {
    expect(Accelerator.amdGpu(2).resources).toEqual({ 'amd.com/gpu': 2 });
    expect(Accelerator.amdGpu(2).needsCustomImage).toBe(true);
    const neuron = Accelerator.neuron(16);
    expect(neuron.resources).toEqual({ 'aws.amazon.com/neuron': 16 });
    expect(neuron.taintKey).toBe('aws.amazon.com/neuron');
    expect(neuron.needsCustomImage).toBe(true);
  });

  test('Neuron parallelism counts NeuronCores: two per device unless told otherwise', () => {
    expect(Accelerator.neuron(16).devicesPerPod).toBe(32);
    expect(Accelerator.neuron(1).devicesPerPod).toBe(2);
    expect(Accelerator.neuron(2, { coresPerDevice: 8 }).devicesPerPod).toBe(16);
    expect(Accelerator.neuron(2, { coresPerDevice: 8 }).resources).toEqual({ 'aws.amazon.com/neuron': 2 });
    expect(() => Accelerator.neuron(1, { coresPerDevice: 0 })).toThrow("'accelerator.coresPerDevice' (0) must be a whole number greater than 0");
  });

  test('CPU requests no extended resource and tolerates no taint', () => {
    const cpu = Accelerator.cpu();
    expect(cpu.resources).toEqual({});
    expect(cpu.taintKey).toBeUndefined();
    expect(cpu.devicesPerPod).toBe(1);
    expect(cpu.needsCustomImage).toBe(true);
  });

  test('only NVIDIA GPUs and MIG slices run the upstream CUDA image', () => {
    expect(Accelerator.nvidiaGpu(1).needsCustomImage).toBe(false);
    expect(Accelerator.mig('1g.10gb').needsCustomImage).toBe(false);
  });

  test('bad input names the prop and the value', () => {
    expect(() => Accelerator.nvidiaGpu(0)).toThrow("'accelerator.count' (0) must be a whole number greater than 0");
    expect(() => Accelerator.neuron(1.5)).toThrow("'accelerator.count' (1.5) must be a whole number greater than 0");
    expect(() => Accelerator.mig('3g20gb')).toThrow("'accelerator.profile' (\"3g20gb\") must be a MIG profile like '1g.10gb' or '3g.20gb' (<compute>g.<memory>gb)");
    expect(() => Accelerator.nvidiaGpu(1, { product: 'A100 80GB' })).toThrow("'accelerator.product' (\"A100 80GB\") must be a valid Kubernetes label value");
  });

  test('hostile counts, profiles and options from plain JavaScript name the prop', () => {
    expect(() => Accelerator.nvidiaGpu(NaN)).toThrow(new Error("'accelerator.count' (NaN) must be a whole number greater than 0"));
    expect(() => Accelerator.nvidiaGpu(Infinity)).toThrow(new Error("'accelerator.count' (Infinity) must be a whole number greater than 0"));
    expect(() => Accelerator.nvidiaGpu(1e300)).toThrow(new Error("'accelerator.count' (1e+300) must be at most 1024"));
    expect(() => Accelerator.amdGpu(-1)).toThrow(new Error("'accelerator.count' (-1) must be a whole number greater than 0"));
    expect(() => Accelerator.nvidiaGpu('2' as unknown as number)).toThrow(new Error("'accelerator.count' (\"2\") must be a whole number greater than 0"));
    expect(() => Accelerator.nvidiaGpu(1, null as unknown as NvidiaGpuOptions)).toThrow(new Error(
      "'accelerator.options' (null) must be an object of options or omitted"));
    expect(() => Accelerator.nvidiaGpu(1, { product: 123 as unknown as string })).toThrow(new Error(
      "'accelerator.product' (123) must be a string, e.g. 'NVIDIA-A100-SXM4-80GB'"));
    expect(() => Accelerator.mig(undefined as unknown as string)).toThrow(new Error(
      "'accelerator.profile' (undefined) must be a MIG profile like '1g.10gb' or '3g.20gb' (<compute>g.<memory>gb)"));
    expect(() => Accelerator.mig('0g.5gb')).toThrow(new Error(
      "'accelerator.profile' (\"0g.5gb\") must be a MIG profile like '1g.10gb' or '3g.20gb' (<compute>g.<memory>gb)"));
    expect(() => Accelerator.mig('3G.20GB')).toThrow(new Error(
      "'accelerator.profile' (\"3G.20GB\") must be a MIG profile like '1g.10gb' or '3g.20gb' (<compute>g.<memory>gb)"));
    expect(() => Accelerator.neuron(1, { coresPerDevice: 1e9 })).toThrow(new Error("'accelerator.coresPerDevice' (1000000000) must be at most 64"));
    expect(() => Accelerator.neuron(1, { coresPerDevice: 1.5 })).toThrow(new Error("'accelerator.coresPerDevice' (1.5) must be a whole number greater than 0"));
  });
});
