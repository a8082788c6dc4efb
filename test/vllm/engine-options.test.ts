import { KvCacheDtype, Quantization, renderEngineArgs, VllmDtype, VllmEngineOptions } from '../../lib/vllm/engine-options';

describe('defaults', () => {
  test('empty options render no flags, so vLLM defaults apply', () => {
    expect(renderEngineArgs({})).toEqual([]);
  });

  test('booleans that are only emitted when true render nothing when false', () => {
    expect(renderEngineArgs({ trustRemoteCode: false, enforceEager: false })).toEqual([]);
  });
});

describe('each option renders its flag, value as its own argv element', () => {
  test.each([
    [{ tensorParallelSize: 4 }, ['--tensor-parallel-size', '4']],
    [{ pipelineParallelSize: 2 }, ['--pipeline-parallel-size', '2']],
    [{ maxModelLenTokens: 32768 }, ['--max-model-len', '32768']],
    [{ gpuMemoryUtilization: 0.85 }, ['--gpu-memory-utilization', '0.85']],
    [{ gpuMemoryUtilization: 1 }, ['--gpu-memory-utilization', '1']],
    [{ maxNumSeqs: 128 }, ['--max-num-seqs', '128']],
    [{ maxNumBatchedTokens: 4096 }, ['--max-num-batched-tokens', '4096']],
    [{ dtype: VllmDtype.BFLOAT16 }, ['--dtype', 'bfloat16']],
    [{ quantization: Quantization.AWQ_MARLIN }, ['--quantization', 'awq_marlin']],
    [{ quantization: Quantization.COMPRESSED_TENSORS }, ['--quantization', 'compressed-tensors']],
    [{ kvCacheDtype: KvCacheDtype.FP8_E4M3 }, ['--kv-cache-dtype', 'fp8_e4m3']],
    [{ enablePrefixCaching: true }, ['--enable-prefix-caching']],
    [{ enablePrefixCaching: false }, ['--no-enable-prefix-caching']],
    [{ enableChunkedPrefill: true }, ['--enable-chunked-prefill']],
    [{ enableChunkedPrefill: false }, ['--no-enable-chunked-prefill']],
    [{ trustRemoteCode: true }, ['--trust-remote-code']],
    [{ enforceEager: true }, ['--enforce-eager']],
    [{ downloadDir: '/models' }, ['--download-dir', '/models']],
    [{ extraArgs: ['--seed', '42', '--async-scheduling'] }, ['--seed', '42', '--async-scheduling']],
  ])('%j → %j', (options, expected) => {
    expect(renderEngineArgs(options)).toEqual(expected);
  });

  test('every enum value is accepted and rendered as is', () => {
    for (const q of Object.values(Quantization)) expect(renderEngineArgs({ quantization: q })).toEqual(['--quantization', q]);
    for (const d of Object.values(VllmDtype)) expect(renderEngineArgs({ dtype: d })).toEqual(['--dtype', d]);
    for (const k of Object.values(KvCacheDtype)) expect(renderEngineArgs({ kvCacheDtype: k })).toEqual(['--kv-cache-dtype', k]);
  });
});

describe('order', () => {
  test('all options render in the fixed, documented order, extraArgs last', () => {
    // GIVEN options listed in reverse order
    const options = {
      extraArgs: ['--seed', '7'],
      downloadDir: '/cache',
      enforceEager: true,
      trustRemoteCode: true,
      enableChunkedPrefill: false,
      enablePrefixCaching: true,
      kvCacheDtype: KvCacheDtype.FP8,
      quantization: Quantization.FP8,
      dtype: VllmDtype.HALF,
      maxNumBatchedTokens: 8192,
      maxNumSeqs: 64,
      gpuMemoryUtilization: 0.9,
      maxModelLenTokens: 8192,
      pipelineParallelSize: 2,
      tensorParallelSize: 8,
    };

    // THEN
    expect(renderEngineArgs(options)).toEqual([
      '--tensor-parallel-size', '8',
      '--pipeline-parallel-size', '2',
      '--max-model-len', '8192',
      '--gpu-memory-utilization', '0.9',
      '--max-num-seqs', '64',
      '--max-num-batched-tokens', '8192',
      '--dtype', 'half',
      '--quantization', 'fp8',
      '--kv-cache-dtype', 'fp8',
      '--enable-prefix-caching',
      '--no-enable-chunked-prefill',
      '--trust-remote-code',
      '--enforce-eager',
      '--download-dir', '/cache',
      '--seed', '7',
    ]);
  });

  test('the model positional, --served-model-name and --port are never emitted', () => {
    const args = renderEngineArgs({ tensorParallelSize: 2, enablePrefixCaching: true });
    for (const flag of ['--model', '--served-model-name', '--port']) expect(args).not.toContain(flag);
  });
});

describe('validation errors', () => {
  test.each([
    ['tensorParallelSize', 0],
    ['tensorParallelSize', 1.5],
    ['pipelineParallelSize', -1],
    ['maxModelLenTokens', 0],
    ['maxNumSeqs', 2.5],
    ['maxNumBatchedTokens', 0],
  ])('%s (%p) must be a positive integer', (key, value) => {
    expect(() => renderEngineArgs({ [key]: value }))
      .toThrow(`'engine.${key}' (${value}) must be a whole number greater than 0`);
  });

  test('exact message for tensorParallelSize 0', () => {
    expect(() => renderEngineArgs({ tensorParallelSize: 0 }))
      .toThrow("'engine.tensorParallelSize' (0) must be a whole number greater than 0");
  });

  test.each([1.2, 0, -0.5, NaN])('gpuMemoryUtilization %p is refused', (value) => {
    expect(() => renderEngineArgs({ gpuMemoryUtilization: value }))
      .toThrow(`'engine.gpuMemoryUtilization' (${value}) must be greater than 0 and at most 1`);
  });

  test('the prop argument prefixes the path', () => {
    expect(() => renderEngineArgs({ gpuMemoryUtilization: 1.2 }, 'pools[0].engine'))
      .toThrow("'pools[0].engine.gpuMemoryUtilization' (1.2) must be greater than 0 and at most 1");
  });

  test('an unknown quantization is refused, naming the allowed values', () => {
    expect(() => renderEngineArgs({ quantization: 'int3' as Quantization })).toThrow(
      "'engine.quantization' (\"int3\") must be one of: awq, fp8, fbgemm_fp8, fp_quant, modelopt, modelopt_fp4, "
      + 'modelopt_mxfp8, modelopt_mixed, gguf, gptq_marlin, awq_marlin, gptq, humming, compressed-tensors, '
      + 'bitsandbytes, experts_int8, quark, moe_wna16, torchao, inc, mxfp4, gpt_oss_mxfp4, deepseek_v4_fp8, '
      + 'cpu_awq, online, fp8_per_tensor, fp8_per_block, int8_per_channel_weight_only, mxfp8',
    );
  });

  test('removed quantization methods are refused', () => {
    expect(() => renderEngineArgs({ quantization: 'marlin' as Quantization }))
      .toThrow("'engine.quantization' (\"marlin\") must be one of: awq, fp8,");
  });

  test('an unknown dtype is refused, naming the allowed values', () => {
    expect(() => renderEngineArgs({ dtype: 'int4' as VllmDtype }))
      .toThrow("'engine.dtype' (\"int4\") must be one of: auto, half, float16, bfloat16, float, float32");
  });

  test('an unknown KV cache dtype is refused, naming the allowed values', () => {
    expect(() => renderEngineArgs({ kvCacheDtype: 'int8' as KvCacheDtype }))
      .toThrow("'engine.kvCacheDtype' (\"int8\") must be one of: auto, bfloat16, fp8, fp8_e4m3, fp8_e5m2, fp8_inc, fp8_ds_mla");
  });

  test('an empty downloadDir is refused', () => {
    expect(() => renderEngineArgs({ downloadDir: ' ' }))
      .toThrow("'engine.downloadDir' (\" \") must be a directory path, not empty and without whitespace");
  });
});

describe('extraArgs', () => {
  const forbidden: Array<[string, string]> = [
    ['--model', 'must not set --model: the pool passes the model as the positional argument of \'vllm serve\' (--model is deprecated for serve)'],
    ['--disable-log-requests', 'must not set --disable-log-requests: vLLM removed it (request logging is off unless --enable-log-requests is set)'],
    ['--swap-space', 'must not set --swap-space: vLLM V1 ignores it (preemption recomputes instead of swapping)'],
    ['--device', 'must not set --device: vLLM removed it and picks the device from the platform; choose the hardware with the pool\'s accelerator'],
    ['--api-key', 'must not set --api-key: a key on the command line is visible in the pod spec; pass it from a Secret as the VLLM_API_KEY environment variable'],
    ['--port', 'must not set --port: the pool owns it'],
    ['--served-model-name', 'must not set --served-model-name: the pool owns it'],
  ];

  test.each(forbidden)('%s is refused', (flag, rule) => {
    expect(() => renderEngineArgs({ extraArgs: ['--seed', '1', flag, 'x'] }))
      .toThrow(`'engine.extraArgs[2]' ("${flag}") ${rule}`);
  });

  test.each(forbidden)('%s=1 is refused', (flag, rule) => {
    expect(() => renderEngineArgs({ extraArgs: [`${flag}=1`] }))
      .toThrow(`'engine.extraArgs[0]' ("${flag}=1") ${rule}`);
  });

  test('the underscore spelling vLLM also accepts is refused', () => {
    expect(() => renderEngineArgs({ extraArgs: ['--swap_space=4'] }))
      .toThrow("'engine.extraArgs[0]' (\"--swap_space=4\") must not set --swap-space: vLLM V1 ignores it");
  });

  const typed: Array<[string, string]> = [
    ['--tensor-parallel-size', 'tensorParallelSize'],
    ['-tp', 'tensorParallelSize'],
    ['--pipeline-parallel-size', 'pipelineParallelSize'],
    ['-pp', 'pipelineParallelSize'],
    ['--max-model-len', 'maxModelLenTokens'],
    ['--gpu-memory-utilization', 'gpuMemoryUtilization'],
    ['--max-num-seqs', 'maxNumSeqs'],
    ['--max-num-batched-tokens', 'maxNumBatchedTokens'],
    ['--dtype', 'dtype'],
    ['--quantization', 'quantization'],
    ['-q', 'quantization'],
    ['--kv-cache-dtype', 'kvCacheDtype'],
    ['--enable-prefix-caching', 'enablePrefixCaching'],
    ['--no-enable-prefix-caching', 'enablePrefixCaching'],
    ['--enable-chunked-prefill', 'enableChunkedPrefill'],
    ['--no-enable-chunked-prefill', 'enableChunkedPrefill'],
    ['--trust-remote-code', 'trustRemoteCode'],
    ['--no-trust-remote-code', 'trustRemoteCode'],
    ['--enforce-eager', 'enforceEager'],
    ['--no-enforce-eager', 'enforceEager'],
    ['--download-dir', 'downloadDir'],
  ];

  test.each(typed)('%s is refused, naming the typed prop %s', (flag, key) => {
    expect(() => renderEngineArgs({ extraArgs: [flag, '1'] }))
      .toThrow(`'engine.extraArgs[0]' ("${flag}") must not set ${flag}: use 'engine.${key}' instead`);
    expect(() => renderEngineArgs({ extraArgs: [`${flag}=1`] }))
      .toThrow(`'engine.extraArgs[0]' ("${flag}=1") must not set ${flag}: use 'engine.${key}' instead`);
  });

  test('the prop argument prefixes extraArgs paths', () => {
    expect(() => renderEngineArgs({ extraArgs: ['--tensor-parallel-size=2'] }, 'spec'))
      .toThrow("'spec.extraArgs[0]' (\"--tensor-parallel-size=2\") must not set --tensor-parallel-size: use 'spec.tensorParallelSize' instead");
  });

  test('other flags and negative values pass through unchanged', () => {
    expect(renderEngineArgs({ extraArgs: ['--chat-template', 'model.jinja', '--seed', '-1'] }))
      .toEqual(['--chat-template', 'model.jinja', '--seed', '-1']);
  });
});

describe('hostile extraArgs and options', () => {
  test('a flag and its value in one element', () => {
    expect(() => renderEngineArgs({ extraArgs: ['--seed 42'] })).toThrow(new Error(
      "'engine.extraArgs[0]' (\"--seed 42\") holds a flag and its value in one element: vLLM would read it as one unknown argument; give each its own element: '--seed', '42'"));
    expect(() => renderEngineArgs({ extraArgs: ['--async-scheduling', '--max-logprobs\t4'] })).toThrow(new Error(
      "'engine.extraArgs[1]' (\"--max-logprobs\\t4\") must not contain control characters (newlines, tabs, NUL)"));
    expect(() => renderEngineArgs({ extraArgs: ['--max-logprobs  4'] })).toThrow(new Error(
      "'engine.extraArgs[0]' (\"--max-logprobs  4\") holds a flag and its value in one element: vLLM would read it as one unknown argument; give each its own element: '--max-logprobs', '4'"));
  });

  test('a value with spaces, in its own element or after =, is one argv element and passes', () => {
    expect(renderEngineArgs({ extraArgs: ['--chat-template', '{{ a b }}', '--override-generation-config={"temperature": 0.5}'] }))
      .toEqual(['--chat-template', '{{ a b }}', '--override-generation-config={"temperature": 0.5}']);
  });

  test('$ is doubled so the kubelet passes it literally', () => {
    expect(renderEngineArgs({ downloadDir: '/d/$(X)', extraArgs: ['--chat-template', '$(TEMPLATE)', '--seed', '$$'] }))
      .toEqual(['--download-dir', '/d/$$(X)', '--chat-template', '$$(TEMPLATE)', '--seed', '$$$$']);
  });

  test('wrong types from plain JavaScript', () => {
    expect(() => renderEngineArgs({ extraArgs: [42 as unknown as string] })).toThrow(new Error("'engine.extraArgs[0]' (42) must be a string"));
    expect(() => renderEngineArgs({ extraArgs: '--seed 42' as unknown as string[] })).toThrow(new Error(
      "'engine.extraArgs' (\"--seed 42\") must be an array of strings, one argv element each, e.g. ['--seed', '42']"));
    expect(() => renderEngineArgs(null as unknown as VllmEngineOptions)).toThrow(new Error(
      "'engine' (null) must be an object of engine options, e.g. { maxModelLenTokens: 8192 }"));
    expect(() => renderEngineArgs({ trustRemoteCode: 1 as unknown as boolean })).toThrow(new Error("'engine.trustRemoteCode' (1) must be true or false"));
    expect(() => renderEngineArgs({ gpuMemoryUtilization: '0.9' as unknown as number })).toThrow(new Error(
      "'engine.gpuMemoryUtilization' (\"0.9\") must be greater than 0 and at most 1"));
    expect(() => renderEngineArgs({ downloadDir: '/a b' })).toThrow(new Error(
      "'engine.downloadDir' (\"/a b\") must be a directory path, not empty and without whitespace"));
  });

  test('huge or non-finite counts', () => {
    expect(() => renderEngineArgs({ maxNumSeqs: 1e300 })).toThrow(new Error("'engine.maxNumSeqs' (1e+300) must be at most 2147483647"));
    expect(() => renderEngineArgs({ maxNumBatchedTokens: Infinity })).toThrow(new Error("'engine.maxNumBatchedTokens' (Infinity) must be a whole number greater than 0"));
    expect(() => renderEngineArgs({ maxModelLenTokens: NaN })).toThrow(new Error("'engine.maxModelLenTokens' (NaN) must be a whole number greater than 0"));
  });
});
