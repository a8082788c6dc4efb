import { invalid } from '../core/_validation';

/**
 * A LoRA adapter served by a `VllmPool` on top of its base model, under its own model name.
 * Rendered as one `--lora-modules <name>=<source>` entry (the `name=path` form, parsed by
 * `LoRAParserAction` in vllm-project/vllm vllm/entrypoints/openai/cli_args.py:
 * `if "=" in item and "," not in item: name, path = item.split("=")`).
 */
export interface LoraAdapter {
  /**
   * The model name clients request (the `model` of an OpenAI request) and the model group
   * the proxy lists it under. 1–63 characters: lowercase letters, digits, `.`, `_` and `-`,
   * starting and ending with a letter or digit (so it is also a Kubernetes label value and
   * never contains the `=` or `,` that `--lora-modules` splits on).
   */
  readonly name: string;
  /**
   * Where vLLM loads the adapter from: a Hugging Face repository id (`owner/repo`), which
   * vLLM downloads into the Hugging Face cache (vllm/lora/utils.py
   * `get_adapter_absolute_path`: a path that does not exist locally is fetched with
   * `huggingface_hub.snapshot_download`), or an absolute path on the pool's model cache
   * volume (under `/models`).
   */
  readonly source: string;
  /**
   * A Hugging Face revision. Not supported: `--lora-modules` entries carry only `name`,
   * `path` and `base_model_name` (vllm/entrypoints/openai/models/protocol.py
   * `LoRAModulePath`), and vLLM downloads the adapter's default branch. Pin an adapter by
   * copying that revision onto the cache volume and naming its path.
   * @default - none (refused if set)
   */
  readonly revision?: string;
  /**
   * The adapter's LoRA rank (`r` in its adapter_config.json), when known: checked against
   * the pool's `maxLoraRank` at synth (vLLM refuses to load an adapter whose rank exceeds
   * it, vllm/lora/peft_helper.py: "LoRA rank {r} is greater than max_lora_rank").
   * @default - not checked
   */
  readonly rank?: number;
}

/**
 * The ranks `--max-lora-rank` accepts: `MaxLoRARanks = Literal[1, 8, 16, 32, 64, 128, 256,
 * 320, 512]` in vllm-project/vllm vllm/config/lora.py (the same set from the 0.11 line,
 * where `LoRAConfig` was still a `@dataclass`, to v0.26.0); vLLM's default is 16.
 * @internal
 */
export const LORA_RANKS: readonly number[] = [1, 8, 16, 32, 64, 128, 256, 320, 512];
/** vLLM's default `max_lora_rank` (vllm/config/lora.py). @internal */
export const DEFAULT_MAX_LORA_RANK = 16;

const ADAPTER_NAME = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;
const HF_REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The LoRA settings a pool renders. @internal */
export interface ResolvedLora {
  readonly adapters: readonly LoraAdapter[];
  readonly maxLoras: number;
  readonly maxLoraRank: number;
}

/**
 * Validates the adapters of a pool and its LoRA limits; undefined when the pool serves no
 * adapter. @internal
 */
export function resolveLora(
  adapters: unknown, maxLoras: unknown, maxLoraRank: unknown, servedModelName: string, cacheDir: string,
): ResolvedLora | undefined {
  if (adapters === undefined) {
    if (maxLoras !== undefined) throw invalid('maxLoras', maxLoras, 'is set but the pool declares no loraAdapters: declare the adapters or remove maxLoras');
    if (maxLoraRank !== undefined) throw invalid('maxLoraRank', maxLoraRank, 'is set but the pool declares no loraAdapters: declare the adapters or remove maxLoraRank');
    return undefined;
  }
  if (!Array.isArray(adapters) || adapters.length === 0) {
    throw invalid('loraAdapters', adapters, 'must be a non-empty array of LoraAdapter { name, source }: omit it to serve no adapter');
  }
  const rank = maxLoraRank ?? DEFAULT_MAX_LORA_RANK;
  if (typeof rank !== 'number' || !LORA_RANKS.includes(rank)) {
    throw invalid('maxLoraRank', rank, `must be one of ${LORA_RANKS.join(', ')}: the ranks vLLM's --max-lora-rank accepts`);
  }
  const names = new Set<string>();
  const resolved: LoraAdapter[] = adapters.map((a: unknown, i: number) => {
    const prop = `loraAdapters[${i}]`;
    if (typeof a !== 'object' || a === null) throw invalid(prop, a, 'must be a LoraAdapter { name, source, rank? }');
    const adapter = a as LoraAdapter;
    const name = adapter.name;
    if (typeof name !== 'string' || !ADAPTER_NAME.test(name)) {
      throw invalid(`${prop}.name`, name, 'must be 1-63 lowercase letters, digits, \'.\', \'_\' or \'-\', starting and ending with a letter or digit: it is the model name clients request');
    }
    if (name === servedModelName) {
      throw invalid(`${prop}.name`, name, 'is the pool\'s servedModelName: a request for it would reach the base model, never the adapter; rename the adapter');
    }
    if (names.has(name)) throw invalid(`${prop}.name`, name, 'is already the name of another adapter of the pool: adapter names must be unique');
    names.add(name);
    const source = adapter.source;
    if (typeof source !== 'string' || source.includes('=') || source.includes(',') || !(HF_REPO_ID.test(source) || isCachePath(source, cacheDir))) {
      throw invalid(`${prop}.source`, source, `must be a Hugging Face repository id ('owner/repo') or an absolute path under ${cacheDir} (the model cache volume), without '=' or ','`);
    }
    if (adapter.revision !== undefined) {
      throw invalid(`${prop}.revision`, adapter.revision, 'is not supported: vLLM\'s --lora-modules takes no revision and loads the default branch; copy that revision onto the cache volume and set source to its path');
    }
    if (adapter.rank !== undefined) {
      if (typeof adapter.rank !== 'number' || !Number.isInteger(adapter.rank) || adapter.rank < 1) {
        throw invalid(`${prop}.rank`, adapter.rank, 'must be a positive integer: the adapter\'s LoRA rank r');
      }
      if (adapter.rank > rank) {
        throw invalid(`${prop}.rank`, adapter.rank, `exceeds the pool's maxLoraRank (${rank}): vLLM would refuse to load the adapter; raise maxLoraRank`);
      }
    }
    return { name, source, rank: adapter.rank };
  });
  const loras = maxLoras ?? resolved.length;
  if (typeof loras !== 'number' || !Number.isInteger(loras) || loras < 1) {
    throw invalid('maxLoras', loras, 'must be an integer of at least 1: the number of adapters one batch can serve');
  }
  return { adapters: resolved, maxLoras: loras, maxLoraRank: rank };
}

/** The vLLM arguments of the pool's adapters. @internal */
export function loraArgs(lora: ResolvedLora): string[] {
  return [
    '--enable-lora',
    '--max-loras', String(lora.maxLoras),
    '--max-lora-rank', String(lora.maxLoraRank),
    // One flag, every entry after it: a list field gets nargs '+' (vllm/engine/arg_utils.py
    // get_kwargs), parsed entry by entry by LoRAParserAction (cli_args.py).
    '--lora-modules', ...lora.adapters.map(a => `${a.name}=${a.source}`),
  ];
}

function isCachePath(source: string, cacheDir: string): boolean {
  if (!source.startsWith(`${cacheDir}/`) || source.length === cacheDir.length + 1) return false;
  // No `..` escape from the volume, no `$(` the kubelet would expand.
  return !source.split('/').includes('..') && !source.includes('$');
}
