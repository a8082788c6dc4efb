import { invalid, requirePositiveInteger } from '../core/_validation';

/**
 * Weight and activation data type (`ModelDType`, FACTS §A.2).
 * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html
 */
export enum VllmDtype {
  /** FP16 for FP32/FP16 checkpoints, BF16 for BF16 checkpoints. vLLM's default. */
  AUTO = 'auto',
  /** FP16; the same as `FLOAT16`. */
  HALF = 'half',
  /** FP16. */
  FLOAT16 = 'float16',
  /** BF16. */
  BFLOAT16 = 'bfloat16',
  /** FP32; the same as `FLOAT32`. */
  FLOAT = 'float',
  /** FP32. */
  FLOAT32 = 'float32',
}

/**
 * Data type of the KV cache (`--kv-cache-dtype` choices in current vLLM, FACTS §A.2).
 * vLLM 0.9 accepted only `auto`, `fp8`, `fp8_e4m3` and `fp8_e5m2`.
 * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html
 */
export enum KvCacheDtype {
  /** The model's data type. vLLM's default. */
  AUTO = 'auto',
  BFLOAT16 = 'bfloat16',
  /** FP8; E4M3 on CUDA. */
  FP8 = 'fp8',
  FP8_E4M3 = 'fp8_e4m3',
  FP8_E5M2 = 'fp8_e5m2',
  /** FP8 through Intel Neural Compressor. */
  FP8_INC = 'fp8_inc',
  /** FP8 for DeepSeek multi-head latent attention. */
  FP8_DS_MLA = 'fp8_ds_mla',
}

/**
 * Quantization methods accepted by `--quantization` (FACTS §A.2, "Recent list" of
 * `vllm/model_executor/layers/quantization/__init__.py`).
 *
 * **This list changes between vLLM releases**: methods are added often and old ones
 * (marlin, aqlm, deepspeedfp, tpu_int8, hqq, gptq_marlin_24, ...) have been removed. A
 * value here may be missing from the vLLM image you run (vLLM then refuses it at start-up),
 * and a method newer than this enum needs a library release that adds it.
 * @see https://docs.vllm.ai/en/latest/features/quantization/
 */
export enum Quantization {
  AWQ = 'awq',
  FP8 = 'fp8',
  FBGEMM_FP8 = 'fbgemm_fp8',
  FP_QUANT = 'fp_quant',
  MODELOPT = 'modelopt',
  MODELOPT_FP4 = 'modelopt_fp4',
  MODELOPT_MXFP8 = 'modelopt_mxfp8',
  MODELOPT_MIXED = 'modelopt_mixed',
  GGUF = 'gguf',
  GPTQ_MARLIN = 'gptq_marlin',
  AWQ_MARLIN = 'awq_marlin',
  GPTQ = 'gptq',
  HUMMING = 'humming',
  COMPRESSED_TENSORS = 'compressed-tensors',
  BITSANDBYTES = 'bitsandbytes',
  EXPERTS_INT8 = 'experts_int8',
  QUARK = 'quark',
  MOE_WNA16 = 'moe_wna16',
  TORCHAO = 'torchao',
  INC = 'inc',
  MXFP4 = 'mxfp4',
  GPT_OSS_MXFP4 = 'gpt_oss_mxfp4',
  DEEPSEEK_V4_FP8 = 'deepseek_v4_fp8',
  CPU_AWQ = 'cpu_awq',
  ONLINE = 'online',
  FP8_PER_TENSOR = 'fp8_per_tensor',
  FP8_PER_BLOCK = 'fp8_per_block',
  INT8_PER_CHANNEL_WEIGHT_ONLY = 'int8_per_channel_weight_only',
  MXFP8 = 'mxfp8',
}

/**
 * Engine arguments of `vllm serve`. Every option is optional: when unset, no flag is
 * emitted and vLLM's own default (which may depend on the GPU and the model) applies.
 *
 * The model, `--served-model-name` and `--port` are not here: the pool sets them.
 * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html
 */
export interface VllmEngineOptions {
  /**
   * Number of GPUs each model replica is split across (tensor parallelism).
   * vLLM flag: `--tensor-parallel-size`.
   * @default 1
   */
  readonly tensorParallelSize?: number;

  /**
   * Number of pipeline stages (pipeline parallelism).
   * vLLM flag: `--pipeline-parallel-size`.
   * @default 1
   */
  readonly pipelineParallelSize?: number;

  /**
   * Context length in tokens (prompt plus output). Lower it to fit the KV cache on a
   * smaller GPU. vLLM flag: `--max-model-len`.
   * @default - taken from the model config
   */
  readonly maxModelLenTokens?: number;

  /**
   * Fraction of GPU memory vLLM may use for weights, activations and KV cache;
   * greater than 0 and at most 1. vLLM flag: `--gpu-memory-utilization`.
   * @default - vLLM's default (0.9)
   */
  readonly gpuMemoryUtilization?: number;

  /**
   * Maximum number of sequences in one batch. vLLM flag: `--max-num-seqs`.
   * @default - vLLM's default (256, or 1024 on GPUs with at least 70 GiB that are not A100)
   */
  readonly maxNumSeqs?: number;

  /**
   * Maximum number of tokens processed in one engine step. vLLM flag: `--max-num-batched-tokens`.
   * @default - vLLM's default (2048, or 8192 on GPUs with at least 70 GiB that are not A100)
   */
  readonly maxNumBatchedTokens?: number;

  /**
   * Weight and activation data type. vLLM flag: `--dtype`.
   * @default - vLLM's default (VllmDtype.AUTO)
   */
  readonly dtype?: VllmDtype;

  /**
   * Quantization method of the weights. vLLM flag: `--quantization`.
   * @default - none, or the method named in the model's config
   */
  readonly quantization?: Quantization;

  /**
   * Data type of the KV cache. vLLM flag: `--kv-cache-dtype`.
   * @default - vLLM's default (KvCacheDtype.AUTO)
   */
  readonly kvCacheDtype?: KvCacheDtype;

  /**
   * Reuse the KV cache of shared prompt prefixes. `true` emits `--enable-prefix-caching`,
   * `false` emits `--no-enable-prefix-caching`.
   * vLLM flag: `--enable-prefix-caching` / `--no-enable-prefix-caching`.
   * @default - vLLM's default (on for generative models in V1, off for hybrid models)
   */
  readonly enablePrefixCaching?: boolean;

  /**
   * Split long prefills into chunks batched with decodes. `true` emits
   * `--enable-chunked-prefill`, `false` emits `--no-enable-chunked-prefill`.
   * vLLM flag: `--enable-chunked-prefill` / `--no-enable-chunked-prefill`.
   * @default - vLLM's default (on for non-pooling models in V1)
   */
  readonly enableChunkedPrefill?: boolean;

  /**
   * Run the model's own Python code from the Hugging Face repository. Only enable it
   * for repositories you trust. vLLM flag: `--trust-remote-code` (emitted only when `true`).
   * @default false
   */
  readonly trustRemoteCode?: boolean;

  /**
   * Always run in eager mode (no CUDA graphs): faster start-up, slower inference.
   * vLLM flag: `--enforce-eager` (emitted only when `true`).
   * @default false
   */
  readonly enforceEager?: boolean;

  /**
   * Directory in the container to download and load weights from.
   * vLLM flag: `--download-dir`.
   * @default - the Hugging Face cache
   */
  readonly downloadDir?: string;

  /**
   * Extra `vllm serve` arguments, appended after the typed flags, each argv element as its
   * own string (`['--seed', '42']`; a flag and its value in one element, `'--seed 42'`, is
   * refused: vLLM would read it as one unknown flag). Flags a typed option covers, flags the
   * pool owns (`--port`, `--served-model-name`, `--revision`, `--shutdown-timeout`),
   * credentials (`--api-key`, `--hf-token`: use Secrets) and removed or ignored flags
   * (`--model`, `--disable-log-requests`, `--swap-space`, `--device`) are refused.
   *
   * Every `$` is passed literally: it is escaped as `$$`, so the kubelet's `$(VAR)`
   * expansion of container args never rewrites a value.
   * @default []
   */
  readonly extraArgs?: string[];
}

/**
 * Flags refused in `extraArgs`, each with the rule shown in the error. vLLM normalises
 * `_` to `-` in long flags, so names are compared after the same normalisation.
 */
const FORBIDDEN_FLAGS: Record<string, string> = {
  '--model': 'must not set --model: the pool passes the model as the positional argument of \'vllm serve\' (--model is deprecated for serve)',
  // Deprecated by vllm-project/vllm PR #21739 (request logging is off by default), removed
  // later (vLLM 0.17.0 per llm-d/llm-d-benchmark PR #781): a no-op at best, a crash at worst.
  '--disable-log-requests': 'must not set --disable-log-requests: vLLM removed it (request logging is off unless --enable-log-requests is set)',
  '--swap-space': 'must not set --swap-space: vLLM V1 ignores it (preemption recomputes instead of swapping)',
  '--device': 'must not set --device: vLLM removed it and picks the device from the platform; choose the hardware with the pool\'s accelerator',
  '--api-key': 'must not set --api-key: a key on the command line is visible in the pod spec; pass it from a Secret as the VLLM_API_KEY environment variable',
  '--port': 'must not set --port: the pool owns it',
  '--served-model-name': 'must not set --served-model-name: the pool owns it',
  '--revision': 'must not set --revision: set the pool\'s \'revision\' prop',
  '--hf-token': 'must not set --hf-token: a token on the command line is visible in the pod spec; set the pool\'s \'hfToken\' Secret reference (HF_TOKEN)',
  '--shutdown-timeout': 'must not set --shutdown-timeout: the pool derives it from \'maxRequestDuration\' so that the drain and the grace period agree',
  // The pool renders these from loraAdapters / maxLoras / maxLoraRank (lora-adapter.ts); a
  // second --lora-modules would replace the pool's list and the proxy's adapter groups would 404.
  '--enable-lora': 'must not set --enable-lora: declare the pool\'s \'loraAdapters\'',
  '--lora-modules': 'must not set --lora-modules: declare the pool\'s \'loraAdapters\', so that the proxy lists each adapter as a model group',
  '--max-loras': 'must not set --max-loras: set the pool\'s \'maxLoras\'',
  '--max-lora-rank': 'must not set --max-lora-rank: set the pool\'s \'maxLoraRank\'',
};

/**
 * Flags (with their `--no-` and short forms) covered by a typed option. Every one of them is
 * in `vllm/engine/arg_utils.py` of vLLM 0.11.x (@99d7eb5d, FACTS §A.2), the oldest release a
 * pool accepts, and no removal of any of them is known, so no typed option has a version
 * gate (a flag found removed in some release gets one, like `--shutdown-timeout`). The choices of `--quantization` and
 * `--kv-cache-dtype` do change between releases: an unknown one makes vLLM exit at start-up.
 */
const TYPED_FLAGS: Record<string, keyof VllmEngineOptions> = {
  '--tensor-parallel-size': 'tensorParallelSize',
  '-tp': 'tensorParallelSize',
  '--pipeline-parallel-size': 'pipelineParallelSize',
  '-pp': 'pipelineParallelSize',
  '--max-model-len': 'maxModelLenTokens',
  '--gpu-memory-utilization': 'gpuMemoryUtilization',
  '--max-num-seqs': 'maxNumSeqs',
  '--max-num-batched-tokens': 'maxNumBatchedTokens',
  '--dtype': 'dtype',
  '--quantization': 'quantization',
  '-q': 'quantization',
  '--kv-cache-dtype': 'kvCacheDtype',
  '--enable-prefix-caching': 'enablePrefixCaching',
  '--no-enable-prefix-caching': 'enablePrefixCaching',
  '--enable-chunked-prefill': 'enableChunkedPrefill',
  '--no-enable-chunked-prefill': 'enableChunkedPrefill',
  '--trust-remote-code': 'trustRemoteCode',
  '--no-trust-remote-code': 'trustRemoteCode',
  '--enforce-eager': 'enforceEager',
  '--no-enforce-eager': 'enforceEager',
  '--download-dir': 'downloadDir',
};

function requireOneOf(prop: string, value: unknown, allowed: Record<string, string>): void {
  const values = Object.values(allowed);
  if (!values.includes(value as string)) {
    throw invalid(prop, value, `must be one of: ${values.join(', ')}`);
  }
}

/** The largest count a `vllm serve` integer flag takes here (a 32-bit int): beyond it is a typo. */
const MAX_INT = 2147483647;

/**
 * Escapes a container argument for the kubelet, which expands `$(VAR)` in args and turns
 * `$$` into `$`: doubling every `$` makes any value reach vLLM unchanged.
 * @internal
 */
export function escapeArg(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

/** The flag name of an argv element: `--x=1` → `--x`, `--x_y` → `--x-y`. */
function flagName(arg: string): string {
  const name = arg.split('=', 1)[0];
  return name.startsWith('--') ? `--${name.slice(2).replace(/_/g, '-')}` : name;
}

/**
 * Validates `options` and renders them as `vllm serve` arguments, without the model
 * positional, `--served-model-name` or `--port` (the pool adds those).
 *
 * A flag is emitted only for an option that is set, so vLLM's defaults apply otherwise.
 * Each value is its own argv element. The order is fixed:
 * `--tensor-parallel-size`, `--pipeline-parallel-size`, `--max-model-len`,
 * `--gpu-memory-utilization`, `--max-num-seqs`, `--max-num-batched-tokens`, `--dtype`,
 * `--quantization`, `--kv-cache-dtype`, `--[no-]enable-prefix-caching`,
 * `--[no-]enable-chunked-prefill`, `--trust-remote-code`, `--enforce-eager`,
 * `--download-dir`, then `extraArgs` as given. Values are escaped for a container's args
 * (every `$` doubled, so the kubelet's `$(VAR)` expansion leaves them as written).
 *
 * @param options the engine options
 * @param prop the prop path of `options` in error messages
 * @returns the argument list, e.g. `['--tensor-parallel-size', '4']`
 */
export function renderEngineArgs(options: VllmEngineOptions, prop = 'engine'): string[] {
  validateEngineOptions(options, prop);

  const args: string[] = [];
  const add = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined) args.push(flag, escapeArg(String(value)));
  };
  const toggle = (flag: string, value: boolean | undefined): void => {
    if (value !== undefined) args.push(value ? `--${flag}` : `--no-${flag}`);
  };

  add('--tensor-parallel-size', options.tensorParallelSize);
  add('--pipeline-parallel-size', options.pipelineParallelSize);
  add('--max-model-len', options.maxModelLenTokens);
  add('--gpu-memory-utilization', options.gpuMemoryUtilization);
  add('--max-num-seqs', options.maxNumSeqs);
  add('--max-num-batched-tokens', options.maxNumBatchedTokens);
  add('--dtype', options.dtype);
  add('--quantization', options.quantization);
  add('--kv-cache-dtype', options.kvCacheDtype);
  toggle('enable-prefix-caching', options.enablePrefixCaching);
  toggle('enable-chunked-prefill', options.enableChunkedPrefill);
  if (options.trustRemoteCode) args.push('--trust-remote-code');
  if (options.enforceEager) args.push('--enforce-eager');
  add('--download-dir', options.downloadDir);
  args.push(...(options.extraArgs ?? []).map(escapeArg));
  return args;
}

function validateEngineOptions(options: VllmEngineOptions, prop: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(prop, options, 'must be an object of engine options, e.g. { maxModelLenTokens: 8192 }');
  }
  const positiveIntegers = ['tensorParallelSize', 'pipelineParallelSize', 'maxModelLenTokens', 'maxNumSeqs', 'maxNumBatchedTokens'] as const;
  for (const key of positiveIntegers) {
    const value = options[key];
    if (value === undefined) continue;
    requirePositiveInteger(`${prop}.${key}`, value);
    if (value > MAX_INT) throw invalid(`${prop}.${key}`, value, `must be at most ${MAX_INT}`);
  }

  const gmu = options.gpuMemoryUtilization;
  if (gmu !== undefined && !(typeof gmu === 'number' && Number.isFinite(gmu) && gmu > 0 && gmu <= 1)) {
    throw invalid(`${prop}.gpuMemoryUtilization`, gmu, 'must be greater than 0 and at most 1');
  }

  if (options.dtype !== undefined) requireOneOf(`${prop}.dtype`, options.dtype, VllmDtype);
  if (options.quantization !== undefined) requireOneOf(`${prop}.quantization`, options.quantization, Quantization);
  if (options.kvCacheDtype !== undefined) requireOneOf(`${prop}.kvCacheDtype`, options.kvCacheDtype, KvCacheDtype);

  const booleans = ['enablePrefixCaching', 'enableChunkedPrefill', 'trustRemoteCode', 'enforceEager'] as const;
  for (const key of booleans) {
    const value: unknown = options[key];
    if (value !== undefined && typeof value !== 'boolean') throw invalid(`${prop}.${key}`, value, 'must be true or false');
  }

  const dir: unknown = options.downloadDir;
  if (dir !== undefined && (typeof dir !== 'string' || dir.trim() === '' || /[\s\u0000-\u001f\u007f]/.test(dir))) {
    throw invalid(`${prop}.downloadDir`, dir, 'must be a directory path, not empty and without whitespace');
  }

  const extraArgs: unknown = options.extraArgs;
  if (extraArgs === undefined) return;
  if (!Array.isArray(extraArgs)) {
    throw invalid(`${prop}.extraArgs`, extraArgs, 'must be an array of strings, one argv element each, e.g. [\'--seed\', \'42\']');
  }
  extraArgs.forEach((arg: unknown, i) => {
    const at = `${prop}.extraArgs[${i}]`;
    if (typeof arg !== 'string') throw invalid(at, arg, 'must be a string');
    if (/[\u0000-\u001f\u007f]/.test(arg)) throw invalid(at, arg, 'must not contain control characters (newlines, tabs, NUL)');
    if (!arg.startsWith('-')) return;
    const name = arg.split('=', 1)[0];
    if (/\s/.test(name)) {
      const [flag, ...rest] = arg.split(/\s+/);
      throw invalid(at, arg, `holds a flag and its value in one element: vLLM would read it as one unknown argument; give each its own element: '${flag}', '${rest.join(' ')}'`);
    }
    const flag = flagName(arg);
    const forbidden = FORBIDDEN_FLAGS[flag];
    if (forbidden !== undefined) throw invalid(at, arg, forbidden);
    const typed = TYPED_FLAGS[flag];
    if (typed !== undefined) {
      throw invalid(at, arg, `must not set ${flag}: use '${prop}.${typed}' instead`);
    }
  });
}
