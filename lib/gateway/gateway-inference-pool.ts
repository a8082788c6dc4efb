import { ApiObject, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { EndpointPickerOptions, EPP_GRPC_PORT, InferenceEndpointPicker } from './inference-endpoint-picker';
import type {
  HttpRouteProps, HttpRouteSpecRulesFiltersType, HttpRouteSpecRulesFiltersUrlRewritePathType, HttpRouteSpecRulesMatchesPathType,
} from '../../imports/gateway.networking.k8s.io';
import type { InferencePoolProps, InferencePoolSpecEndpointPickerRefFailureMode } from '../../imports/inference.networking.k8s.io';
import type { InferenceObjectiveProps } from '../../imports/inference.networking.x-k8s.io';
import { recommendedLabels } from '../core/_labels';
import { requireChartNamespace } from '../core/_namespace';
import { baseName, claimName } from '../core/_naming';
import { wholeSeconds } from '../core/_units';
import { invalid, requireDnsLabel, requireDnsSubdomain, requirePort } from '../core/_validation';
import { SecretKeyRef } from '../core/secret-ref';
import { HostedVllmBackend } from '../litellm/config';
import { NetworkPeer, requireNetworkPeer } from '../network/network-peer';
import { VllmPool } from '../vllm/vllm-pool';

/** The InferencePool API group (CRD at v1.6.0; the InferencePool v1 schema is the same at v1.5.0). */
const INFERENCE_GROUP = 'inference.networking.k8s.io';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const ADDRESS = /^(https?):\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)(:(\d{1,5}))?\/?$/;
const PATH_PREFIX = /^(\/[A-Za-z0-9]([-A-Za-z0-9._~]*[A-Za-z0-9])?)+$/;
/** The longest route timeout: a day, like the pool's longest request. */
const MAX_TIMEOUT_SECONDS = 86400;
const MIN_INT32 = -2147483648;
const MAX_INT32 = 2147483647;

/** The InferencePool each model pool is exposed through, per App (one per pool). */
const poolsExposed = new WeakMap<VllmPool, string>();
/** Path prefixes claimed per Gateway listener, per App. */
const prefixRegistries = new WeakMap<IConstruct, Map<string, string>>();

/**
 * The Gateway an InferencePool is routed from, as the user's cluster names it. The library
 * renders no Gateway: each implementation (Envoy Gateway, Istio, kgateway, GKE) names its
 * data plane and Service differently, so they are given here.
 */
export interface GatewayRef {
  /** The Gateway's name: the HTTPRoute's parent. */
  readonly name: string;
  /**
   * The Gateway's namespace. A Gateway in another namespace must admit routes from the pool's
   * namespace (`listeners[].allowedRoutes.namespaces`, `Same` by default).
   * @default - the pool's namespace
   */
  readonly namespace?: string;
  /** The Gateway listener to attach to. Kubernetes name: `parentRefs[].sectionName`. @default - every listener that admits the route */
  readonly sectionName?: string;
  /**
   * The in-cluster base URL of the listener, e.g.
   * `http://inference-gateway.gateway.svc.cluster.local:80`: the proxy's `api_base` is this,
   * the route's path prefix and `/v1`.
   */
  readonly address: string;
  /**
   * The Gateway's data-plane pods (its Envoy proxies), e.g. for Envoy Gateway, whose proxies
   * run in its own namespace labelled with the Gateway's name (envoyproxy/gateway
   * internal/gatewayapi/translator.go `OwningGatewayNameLabel`):
   * `NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'inference-gateway' })`.
   * The pool's and the EPP's NetworkPolicies admit them (vLLM port, ext-proc port); a proxy
   * that restricts its egress admits them on `dataPlanePort`. Required when the pool or the EPP
   * has a NetworkPolicy.
   * @default - none
   */
  readonly dataPlane?: NetworkPeer;
  /**
   * The port the data-plane pods listen on for `address` (what a NetworkPolicy sees). Envoy
   * Gateway, for one, binds a listener port below 1024 at the port + 10000 in its pods
   * (envoyproxy/gateway internal/gatewayapi/translator.go `wellKnownPortShift`): 10080 for 80.
   * @default - the port of `address`
   */
  readonly dataPlanePort?: number;
}

/**
 * An InferenceObjective: a named priority that requests select with the
 * `x-gateway-inference-objective` header (pkg/epp/metadata/consts.go `ObjectiveKey` at v1.5.0).
 */
export interface InferenceObjectiveOptions {
  /** The objective's name (a DNS-1123 subdomain): what requests name in the header. */
  readonly name: string;
  /**
   * Higher is served first when requests queue; negative allowed. Kubernetes name: `spec.priority`.
   * @default 0
   */
  readonly priority?: number;
}

/** Props of `GatewayInferencePool`. */
export interface GatewayInferencePoolProps {
  /** The model pool to expose: the InferencePool selects exactly its pods, on its vLLM port. */
  readonly pool: VllmPool;
  /** The Gateway that routes to it. */
  readonly gateway: GatewayRef;
  /**
   * The name of the InferencePool and the HTTPRoute; the EPP is `<name>-epp`.
   * @default - the pool's name
   */
  readonly name?: string;
  /**
   * The path prefix the route matches on the Gateway, rewritten to `/` before the pool (Gateway
   * API `URLRewrite` with `ReplacePrefixMatch`, standard channel): pools share a Gateway by
   * prefix. Path segments of letters, digits, `-`, `.`, `_`, `~`.
   * @default `/<namespace>/<name>`
   */
  readonly pathPrefix?: string;
  /**
   * The route's request timeout (`rules[].timeouts.request`): at least the pool's
   * `maxRequestDuration`, at most a day; whole seconds. Without one, a Gateway applies its own
   * default (Envoy's route timeout defaults to 15 s), which would cut long generations.
   * @default - the pool's maxRequestDuration
   */
  readonly requestTimeout?: Duration;
  /**
   * InferenceObjectives (`inference.networking.x-k8s.io/v1alpha2`) on the InferencePool: the
   * EPP serves queued requests of higher priority first. The EPP reads them when their CRD is
   * installed (pkg/epp/server/controller_config.go at v1.5.0).
   * @default - none
   */
  readonly objectives?: InferenceObjectiveOptions[];
  /** How the endpoint picker runs. @default - EPP_IMAGE, one replica, the chart's resources */
  readonly endpointPicker?: EndpointPickerOptions;
}

/**
 * Exposes a `VllmPool` through the Gateway API Inference Extension: an `InferencePool`
 * (`inference.networking.k8s.io/v1`) selecting exactly the pool's pods on its vLLM port, its
 * endpoint picker (`InferenceEndpointPicker`), an `HTTPRoute` (`gateway.networking.k8s.io/v1`)
 * from the named Gateway on a per-pool path prefix, and optional InferenceObjectives. A
 * `HostedVllmBackend`: `proxy.addBackend(gatewayPool)` lists the model at the Gateway route.
 *
 * @example
 * const routed = new GatewayInferencePool(chart, 'llama-igw', {
 *   pool: llama,
 *   gateway: {
 *     name: 'inference-gateway', namespace: 'gateway',
 *     address: 'http://inference-gateway.gateway.svc.cluster.local:80',
 *     dataPlane: NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'inference-gateway' }),
 *     dataPlanePort: 10080,
 *   },
 *   objectives: [{ name: 'interactive', priority: 10 }, { name: 'batch', priority: -10 }],
 * });
 * routed.endpointPicker.monitor({ labels: { release: 'kube-prometheus-stack' }, scraper });
 * proxy.addBackend(routed);
 */
export class GatewayInferencePool extends Construct implements HostedVllmBackend {
  /** The name of the InferencePool and the HTTPRoute. */
  public readonly name: string;
  /** The namespace of every object (the pool's). */
  public readonly namespace: string;
  /** The model pool. */
  public readonly pool: VllmPool;
  /** The endpoint picker. */
  public readonly endpointPicker: InferenceEndpointPicker;
  /** The InferencePool. */
  public readonly inferencePool: ApiObject;
  /** The HTTPRoute. */
  public readonly route: ApiObject;
  /** The InferenceObjectives, in the order given. */
  public readonly objectives: readonly ApiObject[];
  /** The InferencePool's `selector.matchLabels`: the pool's pod selector. */
  public readonly selector: Readonly<Record<string, string>>;
  /** The route's path prefix. */
  public readonly pathPrefix: string;
  /** The route's request timeout. */
  public readonly requestTimeout: Duration;
  /** The Gateway. */
  public readonly gateway: GatewayRef;
  /** The OpenAI base URL through the Gateway: `<address><pathPrefix>/v1`. */
  public readonly url: string;
  /** The pool's served model name. */
  public readonly servedModelName: string;
  /** The pool's API key, which the Gateway passes on. */
  public readonly apiKey?: SecretKeyRef;
  /** The pool's LoRA adapters: the EPP routes them like the base model. */
  public readonly loraAdapterNames: readonly string[];
  /** The port of the Gateway's data-plane pods (what a proxy's egress policy admits). */
  public readonly port: number;
  /** The Gateway's data-plane pods, if named. */
  public readonly peer?: NetworkPeer;

  public constructor(scope: Construct, id: string, props: GatewayInferencePoolProps) {
    super(scope, id);
    const ns = this.namespace = requireChartNamespace(this, 'GatewayInferencePool');
    if (props === null || typeof props !== 'object') throw invalid('props', props, 'must be the props of the InferencePool: { pool, gateway, ... }');
    const pool = this.pool = requirePool(this, props.pool, ns);
    const gateway = this.gateway = requireGateway(props.gateway);
    const name = this.name = baseName(this, 'name', props.name ?? pool.name);

    const [scheme, host, explicitPort] = parseAddress(gateway.address);
    const addressPort = explicitPort ?? (scheme === 'https' ? 443 : 80);
    const pathPrefix = this.pathPrefix = props.pathPrefix ?? `/${ns}/${name}`;
    if (typeof pathPrefix !== 'string' || !PATH_PREFIX.test(pathPrefix) || pathPrefix.length > 1024) {
      throw invalid('pathPrefix', pathPrefix, 'must be an absolute path without a trailing \'/\', of segments of letters, digits, \'-\', \'.\', \'_\' or \'~\', e.g. \'/llm/llama\'');
    }
    this.url = `${scheme}://${host}${explicitPort !== undefined ? `:${explicitPort}` : ''}${pathPrefix}/v1`;
    this.requestTimeout = requireTimeout(props.requestTimeout, pool);
    const objectives = requireObjectives(props.objectives);
    const owner = poolsExposed.get(pool);
    if (owner !== undefined) {
      throw invalid('pool', pool.name, `is already exposed by InferencePool '${owner}': one InferencePool per pool (an EPP per pool keeps one view of its pods); route more Gateways to that one`);
    }

    this.servedModelName = pool.servedModelName;
    this.apiKey = pool.apiKey;
    this.loraAdapterNames = pool.loraAdapterNames;
    this.peer = gateway.dataPlane;
    this.port = gateway.dataPlanePort ?? addressPort;

    // Exactly the pool's own stable pod selector (app.kubernetes.io/name + instance): the
    // labels the pool's Deployment, Service and NetworkPolicy select by.
    const selector = this.selector = Object.freeze({ ...pool.deployment.matchLabels });
    const labels = recommendedLabels('inference-pool', name, 'inference-pool');

    const epp = props.endpointPicker ?? {};
    if (epp === null || typeof epp !== 'object') throw invalid('endpointPicker', epp, 'must be EndpointPickerOptions { image?, version?, replicas?, resources?, failureMode?, metricsEndpointAuth?, user?, networkPolicy? }');
    const needsDataPlane = pool.networkPolicy !== undefined || epp.networkPolicy !== false;
    if (needsDataPlane && gateway.dataPlane === undefined) {
      const which = pool.networkPolicy ? `pool '${pool.name}' has a NetworkPolicy` : 'the EPP has a NetworkPolicy';
      throw invalid('gateway.dataPlane', undefined, `is required: ${which} that admits only named peers, so the Gateway's data-plane pods must be named, e.g. NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': '${gateway.name}' }) for Envoy Gateway; or turn the policies off (pool network.enabled, endpointPicker.networkPolicy)`);
    }
    this.endpointPicker = new InferenceEndpointPicker(this, 'EndpointPicker', {
      ...epp, pool, poolName: name, gatewayDataPlane: gateway.dataPlane,
    });

    // Claims after every check (the EPP's options included): a refused construct takes no name or prefix.
    claimName(this, `${INFERENCE_GROUP}/InferencePool`, name, ns);
    claimName(this, `${GATEWAY_GROUP}/HTTPRoute`, name, ns);
    this.claimPrefix(gateway, pathPrefix);

    // The Gateway's data plane connects to the pods directly (the InferencePool is not a
    // Service), on the pool's vLLM port; the EPP reads vLLM's /metrics on that port too
    // (targetPorts[0], pkg/epp/server/options.go `--model-server-metrics-port` at v1.5.0).
    if (gateway.dataPlane) pool.allowFrom(gateway.dataPlane, `Gateway '${gateway.name}' routes to it (InferencePool '${name}')`);
    pool.allowFrom(NetworkPeer.pods(ns, { ...this.endpointPicker.deployment.matchLabels }), `EPP '${this.endpointPicker.name}' reads /metrics`);

    const poolSpec: InferencePoolProps = {
      metadata: { name, labels },
      spec: {
        selector: { matchLabels: { ...selector } },
        targetPorts: [{ number: pool.port }],
        // The EPP Service's ext-proc port (a Service port number, not the target port: the CRD).
        endpointPickerRef: {
          name: this.endpointPicker.service.name,
          port: { number: EPP_GRPC_PORT },
          failureMode: this.endpointPicker.failureMode as string as InferencePoolSpecEndpointPickerRefFailureMode,
        },
      },
    };
    this.inferencePool = new ApiObject(this, 'Resource', { apiVersion: `${INFERENCE_GROUP}/v1`, kind: 'InferencePool', ...poolSpec });

    const timeoutSeconds = wholeSeconds('requestTimeout', this.requestTimeout);
    const routeSpec: HttpRouteProps = {
      metadata: { name, labels },
      spec: {
        parentRefs: [{
          group: GATEWAY_GROUP,
          kind: 'Gateway',
          name: gateway.name,
          ...(gateway.namespace !== undefined ? { namespace: gateway.namespace } : {}),
          ...(gateway.sectionName !== undefined ? { sectionName: gateway.sectionName } : {}),
        }],
        rules: [{
          matches: [{ path: { type: 'PathPrefix' as HttpRouteSpecRulesMatchesPathType, value: pathPrefix } }],
          // `/llm/llama/v1/chat/completions` reaches vLLM as `/v1/chat/completions`. The EPP
          // sees the original path; its OpenAI parser reads the API from the path's suffix
          // (pkg/epp/framework/plugins/requesthandling/parsers/openai/openai.go at v1.5.0).
          filters: [{ type: 'URLRewrite' as HttpRouteSpecRulesFiltersType, urlRewrite: { path: { type: 'ReplacePrefixMatch' as HttpRouteSpecRulesFiltersUrlRewritePathType, replacePrefixMatch: '/' } } }],
          backendRefs: [{ group: INFERENCE_GROUP, kind: 'InferencePool', name }],
          timeouts: { request: `${timeoutSeconds}s` },
        }],
      },
    };
    this.route = new ApiObject(this, 'Route', { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'HTTPRoute', ...routeSpec });

    this.objectives = objectives.map((o, i) => {
      const objective: InferenceObjectiveProps = {
        metadata: { name: claimName(this, 'inference.networking.x-k8s.io/InferenceObjective', o.name, ns, `objectives[${i}].name`), labels },
        spec: { poolRef: { group: INFERENCE_GROUP, kind: 'InferencePool', name }, priority: o.priority ?? 0 },
      };
      return new ApiObject(this, `Objective${i}`, { apiVersion: 'inference.networking.x-k8s.io/v1alpha2', kind: 'InferenceObjective', ...objective });
    });

    poolsExposed.set(pool, this.node.path);
    this.node.addValidation({ validate: () => this.crossCheck() });
  }

  /**
   * Facts that could change after construction: the pool's pods still carry the selector,
   * serve on the target port, and no other workload of the namespace carries it.
   */
  private crossCheck(): string[] {
    const errors: string[] = [];
    const pool = this.pool;
    const podLabels: Record<string, string> = pool.deployment.podMetadata.toJson().labels ?? {};
    if (!includes(podLabels, this.selector)) {
      const seen = Object.fromEntries(Object.keys(this.selector).map(k => [k, podLabels[k]]));
      errors.push(invalid('pool', pool.name, `has pods labelled ${JSON.stringify(seen)}, which InferencePool '${this.name}' (selector ${JSON.stringify(this.selector)}) would not select: keep the pool's selector labels on its pods`).message);
    }
    if (!pool.container.ports.some(p => p.number === pool.port)) {
      errors.push(invalid('pool', pool.name, `has no container port ${pool.port}: InferencePool '${this.name}' targets the vLLM port ${pool.port}`).message);
    }
    for (const c of this.node.root.node.findAll()) {
      if (!(c instanceof kplus.Workload) || c === pool.deployment || namespaceOfConstruct(c) !== this.namespace) continue;
      if (!includes(c.podMetadata.toJson().labels ?? {}, this.selector)) continue;
      const other = c.node.scopes.slice().reverse().find(s => s instanceof VllmPool) as VllmPool | undefined;
      const what = other ? `VllmPool '${other.node.path}'` : `workload '${c.node.path}'`;
      errors.push(invalid('pool', pool.name, `is not the only pool InferencePool '${this.name}' would select: its selector ${JSON.stringify(this.selector)} also matches the pods of ${what} in namespace "${this.namespace}", so the EPP would route requests for VllmPool '${pool.node.path}' to them; keep each pool's labels its own`).message);
    }
    return errors;
  }

  /** Claims the path prefix on the Gateway listener: two routes on one prefix would conflict. */
  private claimPrefix(gateway: GatewayRef, prefix: string): void {
    const root = this.node.root;
    let registry = prefixRegistries.get(root);
    if (!registry) prefixRegistries.set(root, registry = new Map());
    const key = `${gateway.namespace ?? this.namespace}/${gateway.name}/${gateway.sectionName ?? ''} ${prefix}`;
    const owner = registry.get(key);
    if (owner !== undefined) {
      throw invalid('pathPrefix', prefix, `is already routed by '${owner}' on Gateway '${gateway.name}': the two routes would conflict; give each pool its own prefix`);
    }
    registry.set(key, this.node.path);
  }
}

function requirePool(scope: IConstruct, pool: unknown, namespace: string): VllmPool {
  if (!(pool instanceof VllmPool)) throw invalid('pool', pool, 'must be a VllmPool: the model pool the InferencePool selects');
  if (pool.node.root !== scope.node.root) {
    throw invalid('pool', pool.name, `is '${pool.node.path}' of another App: the InferencePool must be synthesized with the pool it selects`);
  }
  if (pool.namespace !== namespace) {
    throw invalid('pool', pool.name, `is in namespace "${pool.namespace}", not "${namespace}": an InferencePool selects pods of its own namespace only; create the GatewayInferencePool in a chart of the pool's namespace`);
  }
  return pool;
}

function requireGateway(gateway: unknown): GatewayRef {
  if (gateway === null || typeof gateway !== 'object') {
    throw invalid('gateway', gateway, 'must name the Gateway that routes to the pool: { name, namespace?, sectionName?, address, dataPlane?, dataPlanePort? }');
  }
  const g = gateway as GatewayRef;
  if (typeof g.name !== 'string' || g.name === '') {
    throw invalid('gateway.name', g.name, 'is required: the Gateway the HTTPRoute attaches to (its parentRef), e.g. \'inference-gateway\'');
  }
  requireDnsSubdomain('gateway.name', g.name);
  if (g.namespace !== undefined) {
    if (typeof g.namespace !== 'string') throw invalid('gateway.namespace', g.namespace, 'must be a namespace name');
    requireDnsLabel('gateway.namespace', g.namespace);
  }
  if (g.sectionName !== undefined) {
    if (typeof g.sectionName !== 'string') throw invalid('gateway.sectionName', g.sectionName, 'must be a listener name');
    requireDnsSubdomain('gateway.sectionName', g.sectionName);
  }
  if (g.dataPlane !== undefined) requireNetworkPeer('gateway.dataPlane', g.dataPlane);
  if (g.dataPlanePort !== undefined) requirePort('gateway.dataPlanePort', g.dataPlanePort);
  return g;
}

function parseAddress(address: unknown): [string, string, number | undefined] {
  const m = typeof address === 'string' ? ADDRESS.exec(address) : null;
  const port = m?.[7] !== undefined ? Number(m[7]) : undefined;
  if (!m || (port !== undefined && (port < 1 || port > 65535))) {
    throw invalid('gateway.address', address, 'must be the in-cluster base URL of the Gateway\'s listener, http(s)://<host>[:<port>] without a path, e.g. \'http://inference-gateway.gateway.svc.cluster.local:80\' (each Gateway implementation names its Service differently)');
  }
  return [m[1], m[2], port];
}

function requireTimeout(timeout: unknown, pool: VllmPool): Duration {
  const floor = pool.maxRequestDuration.toSeconds();
  if (timeout === undefined) return pool.maxRequestDuration;
  if (!(timeout instanceof Duration)) throw invalid('requestTimeout', timeout, 'must be a Duration, e.g. Duration.minutes(10)');
  const ms = timeout.toMilliseconds({ integral: false });
  if (!Number.isFinite(ms) || !Number.isInteger(ms / 1000)) {
    throw invalid('requestTimeout', `${ms}ms`, 'must be a whole number of seconds, e.g. Duration.minutes(10)');
  }
  const seconds = ms / 1000;
  if (seconds < floor) {
    throw invalid('requestTimeout', `${seconds}s`, `must be at least the pool's maxRequestDuration (${floor}s): the Gateway would cut requests the pool still serves`);
  }
  if (seconds > MAX_TIMEOUT_SECONDS) throw invalid('requestTimeout', `${seconds}s`, `must be at most a day (${MAX_TIMEOUT_SECONDS}s)`);
  return timeout;
}

function requireObjectives(objectives: unknown): InferenceObjectiveOptions[] {
  if (objectives === undefined) return [];
  if (!Array.isArray(objectives)) throw invalid('objectives', objectives, 'must be a list of InferenceObjectiveOptions { name, priority? }');
  return objectives.map((o: unknown, i) => {
    if (o === null || typeof o !== 'object') throw invalid(`objectives[${i}]`, o, 'must be InferenceObjectiveOptions { name, priority? }');
    const { name, priority } = o as InferenceObjectiveOptions;
    if (typeof name !== 'string') throw invalid(`objectives[${i}].name`, name, 'must be the objective\'s name, e.g. \'interactive\'');
    requireDnsSubdomain(`objectives[${i}].name`, name);
    if (priority !== undefined && !(Number.isInteger(priority) && priority >= MIN_INT32 && priority <= MAX_INT32)) {
      throw invalid(`objectives[${i}].priority`, priority, 'must be a whole number (higher is served first; negative allowed)');
    }
    return { name, priority };
  }).map((o, i, all) => {
    const first = all.findIndex(x => x.name === o.name);
    if (first !== i) throw invalid(`objectives[${i}].name`, o.name, `is also objectives[${first}]: each objective is one InferenceObjective; give it one priority`);
    return o;
  });
}

function includes(labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function namespaceOfConstruct(c: IConstruct): string | undefined {
  return Chart.of(c).namespace;
}

