import { invalid } from '../core/_validation';

/**
 * The oldest vLLM the pool renders for. Every flag, env var and metric the pool emits was
 * checked against vLLM 0.11.x: `vllm serve <model>` as the image entrypoint (FACTS §A.5),
 * the engine arguments of `vllm/engine/arg_utils.py` @99d7eb5d (~v0.11.x, FACTS §A.2) and
 * the V1 metric names (`vllm:kv_cache_usage_perc`, FACTS §A.4). It is also the vLLM that
 * vllm-project/vllm-neuron 0.2.0 builds on (requirements/core.txt: `vllm==0.11.0`).
 * @internal
 */
export const MIN_VLLM_VERSION = '0.11.0';

/**
 * `--shutdown-timeout` (drain in-flight requests on SIGTERM) exists from vLLM 0.18.0
 * (vllm-project/vllm PRs #34730 and #36666, FACTS §A.3); an older vLLM rejects the
 * unknown argument and exits.
 * @internal
 */
export const SHUTDOWN_TIMEOUT_SINCE = '0.18.0';

/**
 * `VLLM_ENGINE_READY_TIMEOUT_S` (vllm/envs.py, default 600) was added by
 * vllm-project/vllm PR #27444, merged after 2025-11-17 (PR #28821 still shows the fixed
 * `sync_input_socket.poll(timeout=600_000)` in vllm/v1/engine/core_client.py on main that
 * day), so no 0.11.x release has it. The first release that carries it is not verified;
 * 0.16.0 is the oldest release verified with it (vllm-project/vllm-ascend PR #7098 raises it
 * on vLLM v0.16.0; PR #35616 names it in the v1 core client's timeout error). Older
 * versions wait a fixed 600 s for the engine.
 * @internal
 */
export const ENGINE_READY_TIMEOUT_SINCE = '0.16.0';

/**
 * vLLM's native multi-node serving without Ray: every node runs `vllm serve` with the same
 * engine arguments plus `--nnodes <N> --node-rank <i> --master-addr <rank 0's address>`
 * (`--master-port` defaults to 29501), and every node but rank 0 with `--headless` (no API
 * server: its workers join rank 0's multiprocessing executor over torch.distributed).
 * Introduced by vllm-project/vllm PR #23691 "[V1] Support MP Executor for multi node
 * distributed inference" (still in review on 2025-11-14, so no 0.11.x release has it) and
 * documented in docs/serving/parallelism_scaling.md "Running vLLM with MultiProcessing"
 * (PR #30509, 2025-12-14, the TP 8 × PP 2 on two 8-GPU nodes example). Flags as registered
 * in vllm/engine/arg_utils.py `add_cli_args` (ParallelConfig group: `--master-addr`,
 * `--master-port`, `--nnodes`/`-n`, `--node-rank`/`-r`; checks in `create_engine_config`:
 * "world_size must be divisible by nnodes", "node_rank must be less than nnodes"). The first
 * release that carries it is not verified; 0.15.0 is the oldest release verified with it
 * (Center-for-AI-Innovation/LLMFlux #137 builds on "vLLM 0.15.0's native rendezvous flags";
 * the same flags are in every later arg_utils.py seen, up to the newest, which also has
 * `--numa-bind`). Older releases reject the unknown flags and exit.
 * @internal
 */
export const MULTI_NODE_SINCE = '0.15.0';

/** The upstream CUDA image repository, whose tags are vLLM versions (`v0.26.0`). */
const UPSTREAM_REPOSITORIES = ['vllm/vllm-openai', 'docker.io/vllm/vllm-openai', 'index.docker.io/vllm/vllm-openai'];
/** A vLLM release: 0.11.0, 0.10.1.1 (vLLM has four-part patch releases). */
const VERSION = /^(0|[1-9]\d{0,3})(\.(0|[1-9]\d{0,3})){2,3}$/;
const UPSTREAM_TAG = /^v((0|[1-9]\d{0,3})(\.(0|[1-9]\d{0,3})){2,3})$/;

/**
 * The vLLM version a `vllm/vllm-openai:vX.Y.Z` image carries in its tag, or undefined for any
 * other image (a custom build's tag names the build, not the vLLM in it).
 * @internal
 */
export function versionOfImage(image: string): string | undefined {
  if (image.includes('@')) return undefined;
  const colon = image.lastIndexOf(':');
  if (colon === -1 || image.indexOf('/', colon) !== -1) return undefined;
  if (!UPSTREAM_REPOSITORIES.includes(image.slice(0, colon))) return undefined;
  const match = UPSTREAM_TAG.exec(image.slice(colon + 1));
  return match ? match[1] : undefined;
}

/**
 * Validates a version string (`'0.16.0'`) and that it is one the library supports.
 * @internal
 */
export function requireVllmVersion(prop: string, version: unknown): string {
  if (typeof version !== 'string' || !VERSION.test(version)) {
    throw invalid(prop, version, 'must be a vLLM release version like \'0.16.0\' (digits and dots, no leading \'v\')');
  }
  if (!atLeast(version, MIN_VLLM_VERSION)) {
    throw invalid(prop, version, `is older than vLLM ${MIN_VLLM_VERSION}, the oldest release the pool's flags, probes and metric names were checked against; use a newer vLLM image`);
  }
  return version;
}

/** Whether `version` is `minimum` or newer (numeric comparison, part by part). @internal */
export function atLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
