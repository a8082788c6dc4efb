/**
 * Argo CD sync annotations (argo-cd docs, user-guide/sync-waves.md and resource_hooks.md).
 * @internal
 */
export const ARGOCD_HOOK = 'argocd.argoproj.io/hook';
/** @internal */
export const ARGOCD_HOOK_DELETE_POLICY = 'argocd.argoproj.io/hook-delete-policy';
/** @internal */
export const ARGOCD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/**
 * Sync waves used by the library: schema migrations run before the workloads that need them.
 * @internal
 */
export const SyncWave = {
  MIGRATIONS: -1,
  WORKLOADS: 0,
} as const;
