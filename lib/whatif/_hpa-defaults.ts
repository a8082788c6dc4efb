/**
 * The HPA controller's defaults, in one place for the what-if functions and loops
 * (kubernetes pkg/controller/podautoscaler/config/v1alpha1/defaults.go: the
 * kube-controller-manager `--horizontal-pod-autoscaler-*` flags).
 * @internal
 */

/** `--horizontal-pod-autoscaler-sync-period`: 15 s. */
export const DEFAULT_SYNC_PERIOD_SECONDS = 15;
/** `--horizontal-pod-autoscaler-tolerance`: 0.1. */
export const DEFAULT_TOLERANCE = 0.1;
/** `--horizontal-pod-autoscaler-cpu-initialization-period`: 5 minutes. */
export const DEFAULT_CPU_INITIALIZATION_PERIOD_SECONDS = 300;
/** `--horizontal-pod-autoscaler-initial-readiness-delay`: 30 s. */
export const DEFAULT_INITIAL_READINESS_DELAY_SECONDS = 30;
/** `--horizontal-pod-autoscaler-downscale-stabilization`: 5 minutes. */
export const DEFAULT_DOWNSCALE_STABILIZATION_SECONDS = 300;
