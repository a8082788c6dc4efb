import { Size } from 'cdk8s';
import { CacheAccessMode, ModelCache, ModelCacheKind, NewClaimOptions } from '../../lib/vllm/model-cache';

const DNS1123 = "must be a DNS-1123 subdomain: at most 253 lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric";

describe('ModelCache', () => {
  test('factories', () => {
    expect(ModelCache.emptyDir().kind).toBe(ModelCacheKind.EMPTY_DIR);
    expect(ModelCache.emptyDir(Size.gibibytes(100)).settings.sizeLimit?.toGibibytes()).toBe(100);
    expect(ModelCache.existingClaim('models').settings.claimName).toBe('models');
    const claim = ModelCache.newClaim({ size: Size.gibibytes(200), storageClassName: 'efs-sc' });
    expect(claim.kind).toBe(ModelCacheKind.NEW_CLAIM);
    expect(claim.settings).toMatchObject({ storageClassName: 'efs-sc', accessMode: CacheAccessMode.READ_WRITE_MANY });
  });

  test('bad sizes name the prop', () => {
    expect(() => ModelCache.emptyDir(Size.gibibytes(NaN))).toThrow(new Error("'modelCache.sizeLimit' (\"NaNMi\") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)"));
    expect(() => ModelCache.emptyDir(Size.gibibytes(0))).toThrow(new Error(
      "'modelCache.sizeLimit' (\"0Mi\") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)"));
    expect(() => ModelCache.newClaim({ size: Size.gibibytes(Infinity) })).toThrow(new Error(
      "'modelCache.size' (\"InfinityMi\") must be a whole number of mebibytes from 1 to 1073741824 (1 PiB), e.g. Size.gibibytes(2)"));
    expect(() => ModelCache.newClaim({ size: Size.mebibytes(1500) })).toThrow(new Error(
      "'modelCache.size' (\"1500Mi\") must be a whole number of gibibytes, e.g. Size.gibibytes(200)"));
    expect(() => ModelCache.newClaim({ size: 200 as unknown as Size })).toThrow(new Error("'modelCache.size' (200) must be a Size, e.g. Size.gibibytes(2)"));
  });

  test('missing or wrong options from plain JavaScript', () => {
    expect(() => ModelCache.newClaim({} as NewClaimOptions)).toThrow(new Error(
      "'modelCache.size' (undefined) is required: the capacity to request, at least the model weights, e.g. Size.gibibytes(200)"));
    expect(() => ModelCache.newClaim(undefined as unknown as NewClaimOptions)).toThrow(new Error(
      "'modelCache' (undefined) must be the options of a new claim, e.g. { size: Size.gibibytes(200) }"));
    expect(() => ModelCache.newClaim({ size: Size.gibibytes(5), accessMode: 'ReadOnlyMany' as CacheAccessMode })).toThrow(new Error(
      "'modelCache.accessMode' (\"ReadOnlyMany\") must be one of: ReadWriteOnce, ReadWriteMany"));
    expect(() => ModelCache.newClaim({ size: Size.gibibytes(5), storageClassName: 'Fast SSD' })).toThrow(new Error(
      `'modelCache.storageClassName' ("Fast SSD") ${DNS1123}`));
    expect(() => ModelCache.newClaim({ size: Size.gibibytes(5), storageClassName: 7 as unknown as string })).toThrow(new Error(
      "'modelCache.storageClassName' (7) must be the name of a StorageClass"));
    expect(() => ModelCache.existingClaim(42 as unknown as string)).toThrow(new Error(
      "'modelCache.claimName' (42) must be the name of a PersistentVolumeClaim in the pool's namespace"));
    expect(() => ModelCache.existingClaim('')).toThrow(new Error(`'modelCache.claimName' ("") ${DNS1123}`));
  });
});
