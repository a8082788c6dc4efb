import * as kplus from 'cdk8s-plus-28';
import { PodUser } from './pod-user';

/**
 * The container security context every workload of the library gets: non-root (unless the
 * user is uid 0, for an image that needs root), no privilege escalation, every capability
 * dropped, the runtime's default seccomp profile, read-only root filesystem. A
 * platform-assigned user pins no uid or gid (OpenShift `restricted-v2` assigns them).
 * @internal
 */
export function hardenedContainer(user: PodUser): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: !user.isRoot,
    user: user.uid,
    group: user.uid,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: [kplus.Capability.ALL] },
    seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
  };
}

/** The matching pod security context (fsGroup = uid for a fixed user, none when platform-assigned). @internal */
export function hardenedPod(user: PodUser): kplus.PodSecurityContextProps {
  return { ensureNonRoot: !user.isRoot, user: user.uid, group: user.uid, fsGroup: user.uid };
}
