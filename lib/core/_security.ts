import * as kplus from 'cdk8s-plus-28';

/**
 * The container security context every workload of the library gets unless the image
 * needs more: non-root as `user`, no privilege escalation, every capability dropped,
 * the runtime's default seccomp profile, read-only root filesystem.
 * @internal
 */
export function hardenedContainer(user: number): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    user,
    group: user,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: [kplus.Capability.ALL] },
    seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
  };
}

/** The matching pod security context. @internal */
export function hardenedPod(user: number): kplus.PodSecurityContextProps {
  return { ensureNonRoot: true, user, group: user, fsGroup: user };
}
