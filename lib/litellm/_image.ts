import { invalid } from '../core/_validation';

/**
 * LiteLLM images, versions and what each combination needs to start hardened (non-root user,
 * read-only root filesystem). Every rule cites its upstream source.
 * @internal
 */

/** A LiteLLM release, `major.minor.patch`. @internal */
export interface LiteLLMVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** How an image was built, which decides what it needs at run time. @internal */
export enum ImageVariant {
  /**
   * `ghcr.io/berriai/litellm` and `ghcr.io/berriai/litellm-database`: built as root
   * (docker/Dockerfile.database @02fc7d10: `USER root`, `RUN prisma generate` at build time).
   */
  ROOT = 'root',
  /**
   * `ghcr.io/berriai/litellm-non_root`: docker/Dockerfile.non_root @004c6b1b ends with
   * `USER nobody` after `chown -R nobody:nogroup /app ...` (nobody is uid 65534 on the Wolfi base).
   */
  NON_ROOT = 'non_root',
  /** Any other image: the library cannot know how it was built. */
  CUSTOM = 'custom',
}

/** What the proxy knows about its image. @internal */
export interface ResolvedImage {
  readonly image: string;
  readonly version: LiteLLMVersion;
  readonly variant: ImageVariant;
}

const OFFICIAL: Record<string, ImageVariant> = {
  'ghcr.io/berriai/litellm': ImageVariant.ROOT,
  'ghcr.io/berriai/litellm-database': ImageVariant.ROOT,
  'ghcr.io/berriai/litellm-non_root': ImageVariant.NON_ROOT,
};

/**
 * Tags that move (BerriAI/litellm-docs PR #417: `main-stable` / `main-latest` are rolling and
 * deprecated for `latest`; release notes of the LTS line: `lts` follows the newest LTS patch).
 */
const FLOATING_TAGS = new Set(['latest', 'main-latest', 'main-stable', 'lts', 'stable']);

/**
 * The version in a release tag: the legacy `main-v1.83.7-stable` / `v1.83.7-stable(.patch.N)`
 * scheme (≤ 1.83.x) and the PEP 440 scheme `v1.93.0` / `1.93.0` / `1.90.6.post1` / `1.94.0rc1`
 * from 1.84.0 on, where the `v` prefix is optional (BerriAI/litellm-docs PR #127).
 */
const TAG_VERSION = /^(?:main-)?v?(\d+)\.(\d+)\.(\d+)(?![0-9])/;
const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

/** Renders a version as `1.93.0`. @internal */
export function formatVersion(v: LiteLLMVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** a >= b. @internal */
export function atLeast(a: LiteLLMVersion, major: number, minor: number, patch: number): boolean {
  if (a.major !== major) return a.major > major;
  if (a.minor !== minor) return a.minor > minor;
  return a.patch >= patch;
}

/** Splits `registry/repo:tag@digest` into repository, tag and digest. @internal */
export function splitImage(image: string): { repository: string; tag?: string; digest?: string } {
  const [ref, digest] = image.split('@', 2);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1), digest };
  return { repository: ref, digest };
}

/**
 * Validates the image and version props and returns what the proxy knows about the image:
 * its LiteLLM version (from a release tag, or from `version` for an image whose tag names
 * none) and how it was built.
 * @internal
 */
export function resolveImage(image: unknown, version: unknown): ResolvedImage {
  if (typeof image !== 'string' || !/^[^\s@]+(@sha256:[0-9a-f]{64})?$/.test(image)) {
    throw invalid('image', image, 'must be a container image reference without spaces, e.g. \'ghcr.io/berriai/litellm-database:v1.93.0\'');
  }
  const { repository, tag, digest } = splitImage(image);
  if (!repository || (tag === undefined && digest === undefined) || tag === '') {
    throw invalid('image', image, 'must be pinned with a release tag or a digest, e.g. \'ghcr.io/berriai/litellm-database:v1.93.0\'');
  }
  if (tag !== undefined && FLOATING_TAGS.has(tag)) {
    throw invalid('image', image, `has the floating tag '${tag}': pin a release tag such as 'v1.93.0' so that every replica and the migrations Job run the same code`);
  }
  let declared: LiteLLMVersion | undefined;
  if (version !== undefined) {
    const m = typeof version === 'string' ? VERSION.exec(version) : null;
    if (!m) throw invalid('version', version, 'must be a LiteLLM release version like \'1.93.0\' (major.minor.patch)');
    declared = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
  }
  const t = tag !== undefined ? TAG_VERSION.exec(tag) : null;
  const fromTag = t ? { major: Number(t[1]), minor: Number(t[2]), patch: Number(t[3]) } : undefined;
  if (fromTag && declared && formatVersion(fromTag) !== formatVersion(declared)) {
    throw invalid('version', version, `contradicts the image tag '${tag}' (LiteLLM ${formatVersion(fromTag)}): remove 'version' or fix the tag`);
  }
  const resolved = fromTag ?? declared;
  if (!resolved) {
    throw invalid('version', undefined, `is required for image ${JSON.stringify(image)}: its tag names no LiteLLM release, and the proxy gates config keys and hardening on the version (set e.g. version: '1.93.0')`);
  }
  return { image, version: resolved, variant: OFFICIAL[repository] ?? ImageVariant.CUSTOM };
}

/**
 * The first release of each line that bakes the Prisma CLI and engines at `/opt/prisma`, readable
 * by any uid (BerriAI/litellm PR #33853, 2026-07-18; release notes v1.90.6, v1.91.4, v1.92.1 and
 * BerriAI/litellm-docs PR #603 for v1.93.0). Earlier root-built images write into
 * site-packages at run time and fail on a read-only root filesystem or as another uid
 * (issues #13369, #13848, #33650).
 */
const PRISMA_BAKE_BACKPORTS: Array<[number, number, number]> = [[1, 90, 6], [1, 91, 4], [1, 92, 1]];

/** True when a root-built image carries PR #33853. @internal */
export function hasPrismaBake(v: LiteLLMVersion): boolean {
  if (atLeast(v, 1, 93, 0)) return true;
  return PRISMA_BAKE_BACKPORTS.some(([major, minor, patch]) => v.major === major && v.minor === minor && v.patch >= patch);
}

/**
 * Refuses an image the hardened pods (non-root, read-only root filesystem) are known not to
 * start with, citing the upstream report.
 * @param migrates whether this image runs LiteLLM's Prisma migrations (the Job, or the proxy on start)
 * @internal
 */
export function requireHardenedImage(resolved: ResolvedImage, migrates: boolean): void {
  const v = formatVersion(resolved.version);
  if (resolved.variant === ImageVariant.ROOT && !hasPrismaBake(resolved.version)) {
    throw invalid('image', resolved.image, `is LiteLLM ${v}, built as root: it does not start as a non-root user with a read-only root filesystem (Prisma writes into site-packages at run time, BerriAI/litellm issues #13369 and #33650); PR #33853 fixed it in 1.90.6, 1.91.4, 1.92.1 and 1.93.0: pin 'ghcr.io/berriai/litellm-database:v1.93.0' or later`);
  }
  // The non_root image of 1.90.x to 1.93.x writes Prisma engines into /app/.cache during
  // migrations and fails as its own user (issue #34236, on 1.92.1); PR #34325 (2026-07-23,
  // after v1.93.0) bakes them at /opt/prisma for the non_root image too.
  if (resolved.variant === ImageVariant.NON_ROOT && migrates && atLeast(resolved.version, 1, 90, 0) && !atLeast(resolved.version, 1, 94, 0)) {
    throw invalid('image', resolved.image, `is the non_root image of LiteLLM ${v}, which cannot run Prisma migrations as its user (BerriAI/litellm issue #34236, fixed by PR #34325 after v1.93.0): use 'ghcr.io/berriai/litellm-database:v1.93.0', or migrations: MigrationsBy.EXTERNAL`);
  }
}
