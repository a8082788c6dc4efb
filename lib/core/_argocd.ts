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
 * The one sync wave the library sets by hand: the LiteLLM migrations hook's, so that it runs
 * before the proxy (in Argo CD's default wave 0) even for users who never call
 * `applySyncWaves` (which derives every object's wave, this one's included:
 * lib/delivery/sync-waves.ts `SyncStage.HOOKS`, the same -1). The workloads carry no wave of
 * their own: "Hooks and resources are assigned to wave zero by default" (argo-cd docs,
 * user-guide/sync-waves.md), which is also the derived `SyncStage.WORKLOADS`.
 * @internal
 */
export const SyncWave = {
  MIGRATIONS: -1,
} as const;
