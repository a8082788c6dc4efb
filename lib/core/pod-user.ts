import { invalid } from './_validation';

/** How a workload's pods get their user id. */
export enum PodUserKind {
  /** A fixed uid (and gid and fsGroup) set in the pod and container security contexts. */
  FIXED = 'fixed',
  /**
   * The platform assigns the uid on admission (OpenShift's `restricted-v2` SCC): no
   * `runAsUser`, `runAsGroup` or `fsGroup` is rendered; pods are still non-root.
   */
  PLATFORM_ASSIGNED = 'platform-assigned',
}

/**
 * The user id every pod of a workload runs as: a fixed uid (the default everywhere, chosen
 * per image), root for an image that needs it, or platform-assigned for clusters that
 * assign uids themselves and refuse pods that pin one (OpenShift `restricted-v2`).
 *
 * Whatever the choice, containers keep a read-only root filesystem, no privilege
 * escalation, no capabilities and the runtime's seccomp profile.
 *
 * @example PodUser.platformAssigned()  // OpenShift
 * @example PodUser.fixed(1000)
 */
export class PodUser {
  /** Run as this uid (and gid and fsGroup). 0 is root: only for images that need it. */
  public static fixed(uid: number): PodUser {
    if (!Number.isInteger(uid) || uid < 0 || uid > 2147483647) {
      throw invalid('user', uid, 'must be a uid: a whole number from 0 to 2147483647');
    }
    return new PodUser(PodUserKind.FIXED, uid);
  }

  /**
   * Let the platform assign the uid (OpenShift `restricted-v2` and similar admission):
   * the pods pin no `runAsUser`, `runAsGroup` or `fsGroup`, and still must run as non-root.
   */
  public static platformAssigned(): PodUser {
    return new PodUser(PodUserKind.PLATFORM_ASSIGNED, undefined);
  }

  private constructor(
    /** Fixed or platform-assigned. */
    public readonly kind: PodUserKind,
    /** The fixed uid; undefined when the platform assigns it. */
    public readonly uid: number | undefined,
  ) {}

  /** True when the pods run as root (uid 0). */
  public get isRoot(): boolean {
    return this.uid === 0;
  }
}

/** Validates a `PodUser` prop received from plain JavaScript. @internal */
export function requirePodUser(prop: string, user: unknown): PodUser {
  if (!(user instanceof PodUser)) {
    throw invalid(prop, user, 'must be a PodUser: PodUser.fixed(uid) or PodUser.platformAssigned()');
  }
  return user;
}
