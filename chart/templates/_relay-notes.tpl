{{/*
The relay part of NOTES.txt: where the replica count came from, how to check that Felix really connected to
Typha (a Ready Terway pod proves nothing: its readiness is a TCP probe), and how to roll back. Input: the render
context.
*/}}
{{- define "terway-relay.relayNotes" -}}
{{- $s := include "terway-relay.sizing" . | fromYaml -}}
{{- $c := . -}}
{{- with .root -}}
{{- $ns := .Release.Namespace -}}
{{- $t := .Values.typha -}}
{{- $rule := include "terway-relay.replicaRuleText" . -}}
Replicas: {{ $s.replicas }}, {{ if eq $s.source "live" -}}
kept from the running Deployment (lookup): the autoscaler owns the count (the rule alone gives {{ $s.rule }})
{{- else if eq $s.source "typha.replicas" -}}
fixed by typha.replicas (values)
{{- else if eq $s.nodeSource "values" -}}
the rule {{ $rule }} for nodeCount={{ $s.nodeCount }} (values)
{{- else if eq $s.nodeSource "lookup" -}}
the rule {{ $rule }} for {{ $s.nodeCount }} schedulable Linux nodes counted in the cluster (lookup)
{{- else -}}
the rule's minimum (fallback: nodeCount=0 and no nodes could be counted)
{{- end }}.
{{- if $t.autoscaler.enabled }}
Autoscaling: {{ include "terway-relay.autoscalerName" . }} re-counts nodes every {{ $t.autoscaler.pollPeriodSeconds }}s and resizes Typha by
the same rule{{ if gt (int $t.maxReplicas) 0 }}, at most {{ $t.maxReplicas }}{{ end }}. Its log: kubectl -n {{ $ns }} logs deployment/{{ include "terway-relay.autoscalerName" . }}
{{- end }}
{{- if and $t.serviceMonitor.enabled (ne (include "terway-relay.serviceMonitorEnabled" $c) "true") }}
ServiceMonitor: skipped, this cluster does not serve monitoring.coreos.com/v1 ServiceMonitor (Prometheus Operator){{ if $t.prometheusRule.enabled }}; the PrometheusRule, whose rules select its job, is skipped with it{{ end }}.
{{- end }}
{{- if and $t.prometheusRule.enabled $c.facts.serviceMonitorApi (not $c.facts.prometheusRuleApi) }}
PrometheusRule: skipped, this cluster does not serve monitoring.coreos.com/v1 PrometheusRule (Prometheus Operator).
{{- end }}

Check that Felix connected to Typha (Terway's policy container is Ready without it):
  helm test {{ .Release.Name }} -n {{ $ns }}
  kubectl -n {{ $ns }} get pods -l {{ include "terway-relay.typhaSelectorLabels" . | replace ": " "=" }} -o name
  kubectl -n {{ $ns }} port-forward pod/<typha-pod> {{ include "terway-relay.metricsPort" . }} &
  curl -s localhost:{{ include "terway-relay.metricsPort" . }}/metrics | grep typha_connections_active
Summed over the Typha pods, typha_connections_active approaches the number of Terway nodes. Felix's side:
  kubectl -n {{ $ns }} logs daemonset/terway-eniip -c policy | grep -i typha

{{ include "terway-relay.undoNotes" (dict "root" . "facts" $c.facts "heading" "Roll back" "comment" "removes the relay altogether") }}
{{- if $t.autoscaler.enabled }}
Under Helm 4, going back to a revision without the autoscaler needs --force-conflicts (docs/autoscaling.md).
{{- end }}
{{- end -}}
{{- end }}
