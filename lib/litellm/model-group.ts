import { IConstruct } from 'constructs';

/**
 * A model group of a LiteLLM proxy: the public alias (`model_name`) that clients request,
 * load-balanced over every deployment added under it. Returned by
 * `LiteLLMProxy.addModel()`; fallbacks take groups, never alias strings, so a fallback
 * can only name a group that exists on the same proxy.
 */
export class ModelGroup {
  /** @internal */
  public constructor(
    /** The public alias, `model_name` in config.yaml. */
    public readonly name: string,
    /** The proxy that serves this group. @internal */
    public readonly _proxy: IConstruct,
  ) {}
}
