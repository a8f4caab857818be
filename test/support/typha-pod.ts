// A Typha pod as the calico-typha Deployment's ReplicaSet makes it (label k8s-app=calico-typha), in the states the
// doctor and the hook read: running and ready, one container waiting for a reason, or not scheduled at all.
import type { Obj } from "./fake-kube-apiserver.js";

export const TYPHA_IMAGE = "registry-cn-hangzhou.ack.aliyuncs.com/acs/typha";

export interface TyphaPodState {
  /** Default `${TYPHA_IMAGE}:v3.24.5`. */
  image?: string;
  /** The container waits for this reason (ErrImagePull, CrashLoopBackOff, ...): not ready. */
  waiting?: string;
  /** The waiting reason's message, as the kubelet words it. */
  message?: string;
  /** Restarts so far; 0 means the container never ran. */
  restarts?: number;
  /** The scheduler could not place the pod: PodScheduled=False, reason Unschedulable, with this message (its
   * FailedScheduling event). */
  unschedulable?: string;
}

/** A scheduled pod gets node `node-NAME`. Its phase is the kubelet's: Pending until its container has run once,
 * then Running, also while it waits to restart (kubernetes pkg/kubelet/kubelet_pods.go getPhase: a waiting
 * container with no last termination counts as waiting, hence Pending; one that has terminated counts as stopped,
 * Running under restartPolicy Always). */
export function typhaPod(name: string, o: TyphaPodState = {}): Obj {
  const image = o.image ?? `${TYPHA_IMAGE}:v3.24.5`;
  const ready = !o.waiting && !o.unschedulable;
  const restarts = o.restarts ?? 0;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "kube-system", labels: { "k8s-app": "calico-typha" } },
    spec: { ...(o.unschedulable ? {} : { nodeName: `node-${name}` }), containers: [{ name: "calico-typha", image }] },
    status: {
      phase: o.unschedulable || (o.waiting && !restarts) ? "Pending" : "Running",
      conditions: [
        { type: "Ready", status: ready ? "True" : "False" },
        o.unschedulable
          ? { type: "PodScheduled", status: "False", reason: "Unschedulable", message: o.unschedulable }
          : { type: "PodScheduled", status: "True" },
      ],
      ...(o.unschedulable
        ? {}
        : {
            containerStatuses: [
              {
                name: "calico-typha",
                image,
                ready,
                restartCount: restarts,
                state: o.waiting
                  ? { waiting: { reason: o.waiting, ...(o.message ? { message: o.message } : {}) } }
                  : { running: {} },
              },
            ],
          }),
    },
  };
}
