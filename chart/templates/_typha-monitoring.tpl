{{/*
terway-relay.typhaConnectionLimits: the connection figures Typha uses at a Typha tag, for the alerts and the
dashboard. Its TypeScript twin is scripts/plan.ts (CONNECTION_UPPER_LIMIT, connectionLowerLimit, syncerMultiplier);
test/alerts.test.ts keeps the two equal for every minor from v3.0 to v3.30. Input: the tag. Output YAML:
- upper: MaxConnectionsUpperLimit, 10000 at every tag (the chart leaves TYPHA_MAXCONNECTIONSUPPERLIMIT unset):
  the most connections a Typha ever allows itself (projectcalico/typha v3.5.8 and v3.20.2
  pkg/config/config_params.go; projectcalico/calico v3.24.5 typha/pkg/config/config_params.go).
- lower: MaxConnectionsLowerLimit's default at the tag (same files): 100 up to v3.11, 200 from v3.12, 300 from
  v3.15, 400 from v3.21.
- syncerTypes: the factor CalculateMaxConnLimit multiplies its target by (pkg/k8s/rebalance.go): 1 up to v3.11, 2
  from v3.12, 3 from v3.15 (projectcalico/typha v3.20.2: "multiplied by three"), then the number of syncer caches,
  4 at v3.23 and v3.24 (projectcalico/calico v3.24.5 typha/pkg/daemon/daemon.go, len(t.CachesBySyncerType)).
A tag that is not a version ("latest") gets the newest figures, as plan does.
*/}}
{{- define "terway-relay.typhaConnectionLimits" -}}
{{- $v := include "terway-relay.minorLine" . -}}
{{- $lower := 400 -}}
{{- $syncerTypes := 4 -}}
{{- if $v -}}
{{- $v = printf "%s.0" $v -}}
{{- $lower = ternary 400 (ternary 300 (ternary 200 100 (semverCompare ">=3.12.0" $v)) (semverCompare ">=3.15.0" $v)) (semverCompare ">=3.21.0" $v) -}}
{{- $syncerTypes = ternary 4 (ternary 3 (ternary 2 1 (semverCompare ">=3.12.0" $v)) (semverCompare ">=3.15.0" $v)) (semverCompare ">=3.23.0" $v) -}}
{{- end -}}
upper: 10000
lower: {{ $lower }}
syncerTypes: {{ $syncerTypes }}
{{- end }}

{{/* The label matchers of Typha's series: Prometheus Operator sets job to the name of the Service a ServiceMonitor
selects, and namespace to its namespace (prometheus-operator v0.93.0 pkg/prometheus/promcfg.go,
generateServiceMonitorConfig relabelings). Input: the root context. */}}
{{- define "terway-relay.typhaSeriesSelector" -}}
job={{ include "terway-relay.metricsServiceName" . | quote }},namespace={{ .Release.Namespace | quote }}
{{- end }}

{{/* PromQL for the Felix agents expected to connect, which the alerts and the dashboard sum: typha.prometheusRule.expectedFelix,
or the ready pods of the Terway DaemonSets from kube-state-metrics (v2.20.0 internal/store/daemonset.go); an HA pair
of kube-state-metrics exports each series twice, so max by daemonset. Input: the root context. */}}
{{- define "terway-relay.expectedFelix" -}}
{{- $daemonSets := list }}
{{- range .Values.hook.terwayDaemonSets }}{{ $daemonSets = append $daemonSets (regexQuoteMeta .) }}{{ end }}
{{- .Values.typha.prometheusRule.expectedFelix | default (printf "max by (daemonset) (kube_daemonset_status_number_ready{namespace=%q,daemonset=~%q})" .Release.Namespace (join "|" $daemonSets)) }}
{{- end }}
