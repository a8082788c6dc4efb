export * from './core/secret-ref';
export * from './metrics/catalog';
export * from './metrics/scoped-metric';
export * from './litellm/config';
export * from './litellm/model-group';
export * from './litellm/litellm-migrations-job';
export * from './litellm/litellm-proxy';
export * from './vllm/accelerator';
