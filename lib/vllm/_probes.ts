/**
 * The Python program of the pool's startup and readiness probes (run with `python3 -c`,
 * which every vLLM image has). It passes only when the engine is healthy (`/health`, 200)
 * AND the OpenAI server lists the served model on `/v1/models`:
 *
 * - `/health` alone answers before the model can serve on some platforms (vllm#15313);
 * - `/v1/*` requires the API key when one is set, so the key is read from `VLLM_API_KEY`
 *   in the container's environment, never written into the pod spec.
 *
 * Any exception (connection refused, HTTP 401/503, timeout) exits non-zero.
 * @internal
 */
export function modelReadyScript(servedModelName: string, port: number): string {
  const base = `http://127.0.0.1:${port}`;
  return [
    'import json, os, sys, urllib.request',
    `urllib.request.urlopen("${base}/health", timeout=4)`,
    `req = urllib.request.Request("${base}/v1/models")`,
    'key = os.environ.get("VLLM_API_KEY")',
    'if key: req.add_header("Authorization", "Bearer " + key)',
    'models = json.load(urllib.request.urlopen(req, timeout=4)).get("data", [])',
    `sys.exit(0 if any(m.get("id") == ${JSON.stringify(servedModelName)} for m in models) else 1)`,
  ].join('\n');
}
