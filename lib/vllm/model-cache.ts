import { Size } from 'cdk8s';
import { requireDefined, wholeMebibytes } from '../core/_units';
import { invalid, requireDnsSubdomain } from '../core/_validation';

/** Where a pool's model cache lives. */
export enum ModelCacheKind {
  /** A pod-local emptyDir: every new pod downloads the weights again. */
  EMPTY_DIR = 'emptyDir',
  /** A PersistentVolumeClaim that already exists. */
  EXISTING_CLAIM = 'existingClaim',
  /** A PersistentVolumeClaim the pool creates. */
  NEW_CLAIM = 'newClaim',
}

/** Access modes of a created cache claim. */
export enum CacheAccessMode {
  /** One node at a time: only for a pool that never runs more than one replica. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Every replica on any node (NFS, EFS, Filestore, CephFS...). */
  READ_WRITE_MANY = 'ReadWriteMany',
}

/** Options of `ModelCache.newClaim()`. */
export interface NewClaimOptions {
  /** Capacity requested; at least the model weights (e.g. 200 GiB for a 70B model in BF16). */
  readonly size: Size;
  /** The storage class. @default - the cluster's default storage class */
  readonly storageClassName?: string;
  /**
   * Access mode. Replicas of one pool share the cache, so the default is ReadWriteMany;
   * ReadWriteOnce is refused for a pool with more than one replica.
   * @default CacheAccessMode.READ_WRITE_MANY
   */
  readonly accessMode?: CacheAccessMode;
}

/**
 * The volume the Hugging Face cache (`HF_HOME`) lives on. A persistent cache turns a
 * model download of many minutes into a load from disk on every later start.
 *
 * @example ModelCache.newClaim({ size: Size.gibibytes(200), storageClassName: 'efs' })
 */
export class ModelCache {
  /**
   * A pod-local emptyDir: simple, but every new pod (every scale-up) downloads the weights.
   * @param sizeLimit eviction threshold of the volume @default - no limit (node ephemeral storage)
   */
  public static emptyDir(sizeLimit?: Size): ModelCache {
    if (sizeLimit !== undefined) wholeMebibytes('modelCache.sizeLimit', sizeLimit);
    return new ModelCache(ModelCacheKind.EMPTY_DIR, { sizeLimit });
  }

  /** A PersistentVolumeClaim that already exists in the pool's namespace. */
  public static existingClaim(claimName: string): ModelCache {
    if (typeof claimName !== 'string') throw invalid('modelCache.claimName', claimName, 'must be the name of a PersistentVolumeClaim in the pool\'s namespace');
    requireDnsSubdomain('modelCache.claimName', claimName);
    return new ModelCache(ModelCacheKind.EXISTING_CLAIM, { claimName });
  }

  /** A PersistentVolumeClaim the pool creates. */
  public static newClaim(options: NewClaimOptions): ModelCache {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw invalid('modelCache', options, 'must be the options of a new claim, e.g. { size: Size.gibibytes(200) }');
    }
    const mib = wholeMebibytes('modelCache.size', requireDefined('modelCache.size', options.size, 'the capacity to request, at least the model weights, e.g. Size.gibibytes(200)'));
    // cdk8s-plus renders a claim's storage in whole gibibytes (and throws otherwise).
    if (mib % 1024 !== 0) throw invalid('modelCache.size', `${mib}Mi`, 'must be a whole number of gibibytes, e.g. Size.gibibytes(200)');
    const storageClassName: unknown = options.storageClassName;
    if (storageClassName !== undefined) {
      if (typeof storageClassName !== 'string') throw invalid('modelCache.storageClassName', storageClassName, 'must be the name of a StorageClass');
      requireDnsSubdomain('modelCache.storageClassName', storageClassName);
    }
    const accessMode = options.accessMode ?? CacheAccessMode.READ_WRITE_MANY;
    if (!Object.values(CacheAccessMode).includes(accessMode)) {
      throw invalid('modelCache.accessMode', accessMode, `must be one of: ${Object.values(CacheAccessMode).join(', ')}`);
    }
    return new ModelCache(ModelCacheKind.NEW_CLAIM, { size: options.size, storageClassName: options.storageClassName, accessMode });
  }

  private constructor(
    /** Where the cache lives. */
    public readonly kind: ModelCacheKind,
    /** The kind's settings. */
    public readonly settings: {
      readonly sizeLimit?: Size;
      readonly claimName?: string;
      readonly size?: Size;
      readonly storageClassName?: string;
      readonly accessMode?: CacheAccessMode;
    },
  ) {}
}

/**
 * Validates a `modelCache` prop received from plain JavaScript.
 * @internal
 */
export function requireModelCache(prop: string, value: unknown): ModelCache {
  if (!(value instanceof ModelCache)) {
    throw invalid(prop, value, 'must be a ModelCache: ModelCache.emptyDir(), ModelCache.existingClaim(name) or ModelCache.newClaim({ size })');
  }
  return value;
}
