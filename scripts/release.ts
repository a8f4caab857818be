// The Helm release the chart is installed as: the namespace it must live in and the name it has unless told.
// The chart's twin of the namespace is terway-relay.releaseNamespace (_helpers.tpl).

/** Terway's Felix looks for the Typha Service in kube-system: Terway's policy container sets
 * FELIX_TYPHAK8SSERVICENAME but no FELIX_TYPHAK8SNAMESPACE (AliyunContainerService/terway v1.17.5,
 * charts/terway/templates/terwayd/daemonset.yaml), and Felix's default namespace is kube-system
 * (projectcalico/calico v3.24.5, felix/config/config_params.go, TyphaK8sNamespace). */
export const RELEASE_NAMESPACE = "kube-system";

/** The release name render, adopt and the end-to-end run use when none is given. */
export const DEFAULT_RELEASE_NAME = "terway-relay";
