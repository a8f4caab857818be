{{/*
Shared pieces of the terway-relay chart. Fixed names and ports live here once; templates include them.
*/}}

{{/* Typha's object name and pod selector. Fixed: a relay applied by hand from the guide uses the same
selector, so the release can adopt it (Deployment selectors are immutable). */}}
{{- define "terway-relay.typhaName" -}}calico-typha{{- end }}

{{/* The Service port name Felix looks up (Felix TyphaK8sServicePortName default, calico felix/config). */}}
{{- define "terway-relay.typhaPortName" -}}calico-typha{{- end }}

{{/* Typha's ports (calico typha/pkg/config defaults): sync 5473, health 9098, Prometheus 9093. */}}
{{- define "terway-relay.typhaPort" -}}5473{{- end }}
{{- define "terway-relay.healthPort" -}}9098{{- end }}
{{- define "terway-relay.metricsPort" -}}9093{{- end }}

{{- define "terway-relay.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* app.kubernetes.io/version carries the Typha tag cut to a valid label value: at most 63 characters, starting and
ending alphanumeric (the schema allows tags such as "_" or "v3.26.1-" and up to 128 characters). */}}
{{- define "terway-relay.labels" -}}
helm.sh/chart: {{ include "terway-relay.chart" . }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/version: {{ include "terway-relay.typhaTag" . | trunc 63 | trimAll "-_." | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The release name as a DNS label, for the names of objects made per release (hook Jobs, test pod, their
RBAC): Helm accepts dots in release names, Pod and Job names here must not carry them. */}}
{{- define "terway-relay.releaseLabel" -}}
{{- .Release.Name | replace "." "-" -}}
{{- end }}

{{- define "terway-relay.typhaSelectorLabels" -}}
k8s-app: {{ include "terway-relay.typhaName" . }}
{{- end }}

{{- define "terway-relay.typhaLabels" -}}
{{ include "terway-relay.typhaSelectorLabels" . }}
{{ include "terway-relay.labels" . }}
app.kubernetes.io/component: typha
{{- end }}

{{/* The cluster-proportional-autoscaler that resizes Typha (typha.autoscaler): its object names and labels. */}}
{{- define "terway-relay.autoscalerName" -}}calico-typha-autoscaler{{- end }}

{{- define "terway-relay.autoscalerSelectorLabels" -}}
k8s-app: {{ include "terway-relay.autoscalerName" . }}
{{- end }}

{{- define "terway-relay.autoscalerLabels" -}}
{{ include "terway-relay.autoscalerSelectorLabels" . }}
{{ include "terway-relay.labels" . }}
app.kubernetes.io/component: typha-autoscaler
{{- end }}

{{/* "true" when the ServiceMonitor (and the metrics Service it selects) should render: asked for, and the
cluster serves the Prometheus Operator's CRD. Offline helm template knows no group/version/Kind unless
--api-versions monitoring.coreos.com/v1/ServiceMonitor adds it. */}}
{{- define "terway-relay.serviceMonitorEnabled" -}}
{{- and .Values.typha.serviceMonitor.enabled (eq .Values.mode "relay") (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor") -}}
{{- end }}

{{- define "terway-relay.metricsSelectorLabels" -}}
{{ include "terway-relay.typhaSelectorLabels" . }}
terway-relay/metrics: "true"
{{- end }}

{{- define "terway-relay.image" -}}
{{- include "terway-relay.imageRef" (dict "image" .Values.typha.image "region" .Values.region "tag" (include "terway-relay.typhaTag" .)) }}
{{- end }}

{{/* registry/repository:tag for an image value (dict "image" <registry, repository, tag> "region" <region>,
optional "tag" overriding image.tag). An empty registry means the region's VPC endpoint of Alibaba Cloud's
registry, as the guide uses for Typha. */}}
{{- define "terway-relay.imageRef" -}}
{{- $registry := .image.registry | default (printf "registry-vpc.%s.aliyuncs.com" .region) -}}
{{- printf "%s/%s:%s" $registry .image.repository (.tag | default .image.tag) }}
{{- end }}

{{- define "terway-relay.serviceAccountName" -}}
{{- $sa := .Values.typha.serviceAccount -}}
{{- $sa.name | default (ternary "calico-typha" "terway" $sa.create) }}
{{- end }}

{{/* PodDisruptionBudget API: policy/v1 from Kubernetes 1.21, policy/v1beta1 before (removed in 1.25).
"-0" lets pre-release style versions such as v1.26.3-aliyun.1 compare as releases. */}}
{{- define "terway-relay.pdbApiVersion" -}}
{{- ternary "policy/v1" "policy/v1beta1" (semverCompare ">=1.21.0-0" .Capabilities.KubeVersion.Version) }}
{{- end }}

{{/* "true" when the Typha tag is v3.25 or later: TYPHA_SHUTDOWNTIMEOUTSECS (graceful connection draining)
arrived in Calico v3.25 (projectcalico/calico#6973). Tags that are not a version get "false". */}}
{{- define "terway-relay.gracefulShutdown" -}}
{{- $v := regexFind "^v?[0-9]+\\.[0-9]+(\\.[0-9]+)?" (include "terway-relay.typhaTag" .) | trimPrefix "v" -}}
{{- and $v (semverCompare ">=3.25.0-0" $v) }}
{{- end }}

{{/*
terway-relay.replicaPlan: THE replica rule of the chart. Its TypeScript twin is typhaReplicas() in
scripts/replicas.ts; test/replicas.test.ts proves both agree for every node count from 1 to 10000, for both formulas.
Input dict: nodeCount (0 = unknown), replicas (0 = use the rule), maxReplicas (0 = no cap),
formula, nodesPerReplica, minReplicas (typha.replicaRule).
Rule, capped by maxReplicas:
- formula guide (the ACK guide, with its 200 and 3 as the defaults): max(minReplicas, ceil(nodes / nodesPerReplica));
- formula operator (tigera/operator pkg/common/autoscale.go GetExpectedTyphaScale, v1.28.5 to v1.38.0): 1 replica up
  to 2 nodes, 2 up to 4, else max(minReplicas, floor(nodes / nodesPerReplica) + 2); an unknown count gets minReplicas.
Output YAML: replicas, rule (the rule's count), source (rule | typha.replicas), error ("" when the plan is sound).
*/}}
{{- define "terway-relay.replicaPlan" -}}
{{- $nodes := int .nodeCount -}}
{{- $per := int .nodesPerReplica -}}
{{- $min := int .minReplicas -}}
{{- $cap := int .maxReplicas -}}
{{- $fixed := int .replicas -}}
{{- $operator := eq (.formula | default "guide") "operator" -}}
{{- $rule := 0 -}}
{{- if not $operator }}{{ $rule = max $min (div (add $nodes (sub $per 1)) $per) }}
{{- else if eq $nodes 0 }}{{ $rule = $min }}
{{- else if le $nodes 2 }}{{ $rule = 1 }}
{{- else if le $nodes 4 }}{{ $rule = 2 }}
{{- else }}{{ $rule = max $min (add (div $nodes $per) 2) }}{{ end -}}
{{- if and (gt $cap 0) (gt $rule $cap) }}{{ $rule = $cap }}{{ end -}}
{{- $replicas := $rule -}}
{{- $source := "rule" -}}
{{- $error := "" -}}
{{- if and (gt $cap 0) (lt $cap $min) -}}
{{- $error = printf "typha.maxReplicas=%d is below typha.replicaRule.minReplicas=%d: raise it or set it to 0 (no cap)" $cap $min -}}
{{- end -}}
{{- if gt $fixed 0 -}}
{{- $replicas = $fixed -}}
{{- $source = "typha.replicas" -}}
{{- if and (gt $nodes 0) (lt $replicas $rule) (not $error) -}}
{{- $error = printf "typha.replicas=%d is below the rule's %d replicas for %d nodes (%s): raise it or set it to 0 to use the rule" $replicas $rule $nodes (ternary (printf "tigera/operator's rule: floor(nodes / %d) + 2, at least %d" $per $min) (printf "one per %d nodes, at least %d" $per $min) $operator) -}}
{{- end -}}
{{- end -}}
{{- if and (gt $nodes 0) (le $nodes $replicas) (not $error) -}}
{{- $error = printf "node count %d must be larger than the Typha replica count %d: each replica takes host port 5473 on its own node, and a rolling update needs a spare node" $nodes $replicas -}}
{{- end -}}
replicas: {{ $replicas }}
rule: {{ $rule }}
source: {{ $source }}
error: {{ $error | quote }}
{{- end }}

{{/* The rule of typha.replicaRule as a formula, for notes: "max(3, ceil(nodes / 200))" or the operator's. */}}
{{- define "terway-relay.replicaRuleText" -}}
{{- $r := .Values.typha.replicaRule -}}
{{- if eq $r.formula "operator" -}}
max({{ int $r.minReplicas }}, floor(nodes / {{ int $r.nodesPerReplica }}) + 2), tigera/operator's (1 up to 2 nodes, 2 up to 4),
{{- else -}}
max({{ int $r.minReplicas }}, ceil(nodes / {{ int $r.nodesPerReplica }}))
{{- end -}}
{{- end }}

{{/* The replicaPlan input dict for this release's values and a node count. */}}
{{- define "terway-relay.replicaPlanInput" -}}
{{- $t := .root.Values.typha -}}
{{- toYaml (dict "nodeCount" .nodeCount "replicas" $t.replicas "maxReplicas" $t.maxReplicas "formula" $t.replicaRule.formula "nodesPerReplica" $t.replicaRule.nodesPerReplica "minReplicas" $t.replicaRule.minReplicas) -}}
{{- end }}

{{/* Linux nodes Typha can run on, counted in the live cluster (lookup is empty offline): nodes that match
typha.nodeSelector, are schedulable and are not virtual-kubelet (ECI) nodes. */}}
{{- define "terway-relay.liveNodeCount" -}}
{{- $count := 0 -}}
{{- range ((lookup "v1" "Node" "" "").items | default list) -}}
{{- $labels := .metadata.labels | default dict -}}
{{- $match := and (not .spec.unschedulable) (ne (get $labels "type") "virtual-kubelet") -}}
{{- range $k, $v := $.Values.typha.nodeSelector -}}
{{- if ne (get $labels $k) $v }}{{ $match = false }}{{ end -}}
{{- end -}}
{{- if $match }}{{ $count = add1 $count }}{{ end -}}
{{- end -}}
{{- $count -}}
{{- end }}

{{/* The live Typha Deployment as JSON ({} offline and on a first install: lookup finds nothing). A define of its
own so that a test can stand a live object in for lookup's answer. */}}
{{- define "terway-relay.liveTypha" -}}
{{- lookup "apps/v1" "Deployment" .Release.Namespace (include "terway-relay.typhaName" .) | default dict | toJson -}}
{{- end }}

{{/* Sizing for this release: where the node count came from, and the replica plan built on it.
With typha.autoscaler.enabled the autoscaler owns spec.replicas: an upgrade renders the live count (source
"live") so Helm neither fights the autoscaler nor drops the field, which would reset Typha to 1 replica
(Helm 3 three-way merge, Helm 4 server-side apply). A first install (no live Deployment) starts at the rule. */}}
{{- define "terway-relay.sizing" -}}
{{- $nodes := int .Values.nodeCount -}}
{{- $nodeSource := "values" -}}
{{- if eq $nodes 0 -}}
{{- $nodes = int (include "terway-relay.liveNodeCount" .) -}}
{{- $nodeSource = ternary "lookup" "unknown" (gt $nodes 0) -}}
{{- end -}}
{{- $plan := include "terway-relay.replicaPlan" (include "terway-relay.replicaPlanInput" (dict "root" . "nodeCount" $nodes) | fromYaml) | fromYaml -}}
{{- if $plan.error }}{{ fail $plan.error }}{{ end -}}
{{- $replicas := $plan.replicas -}}
{{- $source := $plan.source -}}
{{- if .Values.typha.autoscaler.enabled -}}
{{- if gt (int .Values.typha.replicas) 0 -}}
{{- fail (printf "typha.replicas=%d: a fixed replica count is not allowed with typha.autoscaler.enabled: set it to 0" (int .Values.typha.replicas)) -}}
{{- end -}}
{{- if eq .Values.typha.replicaRule.formula "operator" -}}
{{- fail "typha.replicaRule.formula=operator cannot be used with typha.autoscaler.enabled: cluster-proportional-autoscaler's linear mode has no \"+ 2\", so set formula to guide or turn the autoscaler off" -}}
{{- end -}}
{{- $live := include "terway-relay.liveTypha" . | fromJson -}}
{{- if hasKey ($live.spec | default dict) "replicas" -}}
{{- $replicas = int $live.spec.replicas -}}
{{- $source = "live" -}}
{{- end -}}
{{- end -}}
nodeCount: {{ $nodes }}
nodeSource: {{ $nodeSource }}
replicas: {{ $replicas }}
source: {{ $source }}
rule: {{ $plan.rule }}
{{- end }}

{{/* One line that says how the replica count was reached; the Deployment carries it as an annotation and
the harness warns on stderr when no node count was known. */}}
{{- define "terway-relay.sizingSummary" -}}
{{- $s := include "terway-relay.sizing" . | fromYaml -}}
{{- if eq $s.source "live" -}}
replicas={{ $s.replicas }} (live: kept from the running Deployment, typha.autoscaler owns the count; the rule gives {{ $s.rule }})
{{- else if and (eq $s.nodeSource "unknown") $.Values.typha.autoscaler.enabled -}}
replicas={{ $s.replicas }} ({{ $s.source }}); node count unknown (nodeCount=0 and no cluster to look up): minimum used until the autoscaler resizes Typha
{{- else if eq $s.nodeSource "unknown" -}}
replicas={{ $s.replicas }} ({{ $s.source }}); node count unknown (nodeCount=0 and no cluster to look up): minimum used, set nodeCount
{{- else -}}
replicas={{ $s.replicas }} ({{ $s.source }}); nodes={{ $s.nodeCount }} ({{ $s.nodeSource }})
{{- end -}}
{{- end }}

{{/* Checks no schema can express. Each failure is one sentence naming the field. */}}
{{- define "terway-relay.validate" -}}
{{- if and (eq .Values.mode "disable-network-policy") (not .Values.acknowledgeNetworkPolicyOff) -}}
{{- fail "mode disable-network-policy turns off NetworkPolicy enforcement in the whole cluster: set acknowledgeNetworkPolicyOff=true to confirm that is intended" -}}
{{- end -}}
{{- if ne .Release.Namespace "kube-system" -}}
{{- fail (printf "release namespace %q is not allowed: install terway-relay into kube-system (helm install -n kube-system), where Terway's Felix looks for the Typha Service" .Release.Namespace) -}}
{{- end -}}
{{- end }}
