import { Chart, ChartProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { LiteLLMProxy, RoutingStrategy } from '../lib';

/**
 * The reference platform: the seed's LiteLLM gateway in namespace `litellm`.
 * Until the vLLM pools land, the two model groups point at placeholder
 * OpenAI-compatible backends.
 */
export class ReferencePlatform extends Chart {
  /** The gateway. */
  public readonly proxy: LiteLLMProxy;

  public constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'litellm', ...props });

    this.proxy = new LiteLLMProxy(this, 'gateway', {
      masterKey: { secretName: 'litellm-secrets', key: 'master-key' },
      saltKey: { secretName: 'litellm-secrets', key: 'salt-key' },
      database: { url: { secretName: 'litellm-postgres-app', key: 'uri' } },
      redis: {
        host: 'redis-master.redis.svc.cluster.local',
        port: 6379,
        password: { secretName: 'litellm-redis', key: 'password' },
      },
      cache: { ttl: Duration.hours(1) },
      router: {
        routingStrategy: RoutingStrategy.LEAST_BUSY,
        enablePreCallChecks: true,
        allowedFails: 3,
        cooldownTime: Duration.seconds(60),
        numRetries: 2,
        timeout: Duration.seconds(120),
      },
      requestTimeout: Duration.seconds(600),
    });

    const llama = this.proxy.addModel({
      modelName: 'llama-3-1-8b',
      model: 'openai/meta-llama/Llama-3.1-8B-Instruct',
      apiBase: 'http://llama-backend.models.svc.cluster.local:8000/v1',
      apiKey: { secretName: 'placeholder-backends', key: 'llama-api-key' },
      rpm: 600,
    });
    const qwen = this.proxy.addModel({
      modelName: 'qwen3-8b',
      model: 'openai/Qwen/Qwen3-8B-FP8',
      apiBase: 'http://qwen-backend.models.svc.cluster.local:8000/v1',
      apiKey: { secretName: 'placeholder-backends', key: 'qwen-api-key' },
      rpm: 600,
    });
    this.proxy.addFallback(llama, [qwen]);
    this.proxy.addFallback(qwen, [llama]);
  }
}
