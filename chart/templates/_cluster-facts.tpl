{{/*
terway-relay.clusterFacts: everything this release reads from the live cluster, read here and nowhere else. Input:
the root context. Output (YAML), a fact left out or empty when unknown:
- nodes: schedulable Linux nodes Typha can run on (they match typha.nodeSelector and are not virtual-kubelet (ECI)
  nodes); counted only when nodeCount is 0.
- terwayImage, terwayMaxUnavailable: the policy container's image and the rollingUpdate.maxUnavailable of the
  first DaemonSet of hook.terwayDaemonSets that exists. maxUnavailable falls back to hook.terwayMaxUnavailable.
- typhaReplicas: the running Typha Deployment's spec.replicas; read only with typha.autoscaler.enabled (on a first
  install there is none).
- kubeVersion, serviceMonitorApi, prometheusRuleApi: the cluster's version and whether it serves the Prometheus
  Operator's monitoring.coreos.com/v1 ServiceMonitor and PrometheusRule, from .Capabilities (Helm discovers them once per command, before it
  renders; offline they come from --kube-version and --api-versions, and no group/version/Kind is known unless
  --api-versions names it).
Offline (helm template) every lookup answers empty. With gitops.enabled nothing is looked up at all: Argo CD renders
without a cluster, and the same values must give the same bytes on every sync.
Helm's lookup caches nothing and a helper is included once per object, so the facts are kept on the root context,
which Helm shares between all templates of a chart during one render (helm pkg/engine/engine.go, recAllTpls and
render, at v3.17.2 and v4.1.4): test/lookup-requests.test.ts counts the requests on both majors. Only top-level
templates include this define; they pass the facts on to helpers explicitly, in the render context
(dict "root" . "facts" $facts).
*/}}
{{- define "terway-relay.clusterFacts" -}}
{{- if not (hasKey . "terwayRelayClusterFacts") -}}
{{- $facts := dict "terwayMaxUnavailable" .Values.hook.terwayMaxUnavailable "kubeVersion" .Capabilities.KubeVersion.Version "serviceMonitorApi" (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor") "prometheusRuleApi" (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/PrometheusRule") -}}
{{- if not .Values.gitops.enabled -}}
{{- if eq (int .Values.nodeCount) 0 -}}
{{- $count := 0 -}}
{{- range ((lookup "v1" "Node" "" "").items | default list) -}}
{{- $labels := .metadata.labels | default dict -}}
{{- $match := and (not .spec.unschedulable) (ne (get $labels "type") "virtual-kubelet") -}}
{{- range $k, $v := $.Values.typha.nodeSelector -}}
{{- if ne (get $labels $k) $v }}{{ $match = false }}{{ end -}}
{{- end -}}
{{- if $match }}{{ $count = add1 $count }}{{ end -}}
{{- end -}}
{{- $_ := set $facts "nodes" $count -}}
{{- end -}}
{{- $ds := dict -}}
{{- range .Values.hook.terwayDaemonSets -}}
{{- if not $ds -}}
{{- $ds = lookup "apps/v1" "DaemonSet" $.Release.Namespace . | default dict -}}
{{- end -}}
{{- end -}}
{{- if $ds.spec -}}
{{- range $ds.spec.template.spec.containers -}}
{{- if eq .name "policy" }}{{ $_ := set $facts "terwayImage" .image }}{{ end -}}
{{- end -}}
{{- with $ds.spec.updateStrategy }}{{ with .rollingUpdate }}{{ with .maxUnavailable -}}
{{- $_ := set $facts "terwayMaxUnavailable" (toString .) -}}
{{- end }}{{ end }}{{ end -}}
{{- end -}}
{{- if .Values.typha.autoscaler.enabled -}}
{{- $live := lookup "apps/v1" "Deployment" .Release.Namespace (include "terway-relay.typhaName" .) | default dict -}}
{{- if hasKey ($live.spec | default dict) "replicas" }}{{ $_ := set $facts "typhaReplicas" (int $live.spec.replicas) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- $_ := set . "terwayRelayClusterFacts" $facts -}}
{{- end -}}
{{- toYaml .terwayRelayClusterFacts -}}
{{- end }}
