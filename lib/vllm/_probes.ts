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

/**
 * The Python program of the preStop hook on vLLM releases without `--shutdown-timeout`
 * (before 0.18.0), which abort in-flight requests on SIGTERM. It keeps the pod serving
 * until the requests it holds are done: it sleeps `drainDelaySeconds` (endpoint removal
 * reaches the proxy, so no new request arrives), then polls vLLM's `/metrics` until the
 * running and waiting request gauges are 0, for at most `maxRequestSeconds`. SIGTERM
 * follows. Any error reading the metrics (the server already gone) ends the wait.
 *
 * @param metrics the gauge names that count requests still held (`vllm:num_requests_running`, `vllm:num_requests_waiting`)
 * @internal
 */
export function drainScript(drainDelaySeconds: number, maxRequestSeconds: number, port: number, metrics: string[]): string {
  return [
    'import time, urllib.request',
    `time.sleep(${drainDelaySeconds})`,
    `deadline = time.time() + ${maxRequestSeconds}`,
    `names = ${JSON.stringify(metrics.map(m => [`${m}{`, `${m} `]).flat())}`,
    'while time.time() < deadline:',
    '    try:',
    `        body = urllib.request.urlopen("http://127.0.0.1:${port}/metrics", timeout=4).read().decode()`,
    '    except Exception:',
    '        break',
    '    held = sum(float(l.rsplit(" ", 1)[1]) for l in body.splitlines() if l.startswith(tuple(names)))',
    '    if held <= 0:',
    '        break',
    '    time.sleep(2)',
  ].join('\n');
}
