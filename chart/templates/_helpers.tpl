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
ending alphanumeric (the schema allows tags such as "_" or "v3.26.1-" and up to 128 characters).
Input: the render context, (dict "root" . "facts" $facts) that each template builds once from
terway-relay.clusterFacts, like every helper that needs a cluster fact: none of them looks anything up. */}}
{{- define "terway-relay.labels" -}}
{{- $root := .root -}}
helm.sh/chart: {{ include "terway-relay.chart" $root }}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name | quote }}
app.kubernetes.io/version: {{ include "terway-relay.typhaTag" . | trunc 63 | trimAll "-_." | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
{{- end }}

{{/* An object's metadata, the same block for every object the chart renders. Input dict: name (as it should
appear, quoted or not), namespace (left out for cluster-scoped objects), labels and, optionally, annotations (YAML
text, each from its own helper). */}}
{{- define "terway-relay.metadata" -}}
name: {{ .name }}
{{- with .namespace }}
namespace: {{ . }}
{{- end }}
labels:
  {{- .labels | nindent 2 }}
{{- with .annotations }}
annotations:
  {{- . | nindent 2 }}
{{- end }}
{{- end }}

{{/* A ServiceAccount. Input dict: as terway-relay.metadata. */}}
{{- define "terway-relay.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  {{- include "terway-relay.metadata" . | nindent 2 }}
{{- end }}

{{/* A RoleBinding (with namespace) or ClusterRoleBinding (without) of the Role or ClusterRole of the same name to
the ServiceAccount of the same name in subjectNamespace, or to the given subjects. Input dict: as
terway-relay.metadata, plus subjectNamespace or subjects (a list of RBAC subjects). */}}
{{- define "terway-relay.binding" -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: {{ ternary "RoleBinding" "ClusterRoleBinding" (hasKey . "namespace") }}
metadata:
  {{- include "terway-relay.metadata" . | nindent 2 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: {{ ternary "Role" "ClusterRole" (hasKey . "namespace") }}
  name: {{ .name }}
subjects:
{{- if hasKey . "subjects" }}
  {{- toYaml .subjects | nindent 2 }}
{{- else }}
  - kind: ServiceAccount
    name: {{ .name }}
    namespace: {{ .subjectNamespace }}
{{- end }}
{{- end }}

{{/* The Calico line of a version or tag, major.minor without the v ("3.24" of "v3.24.5"), or "" when it does not
start as a version. The chart's one parser of a line; scripts/version-skew.ts minorOf is its twin. */}}
{{- define "terway-relay.minorLine" -}}
{{- regexFind "^v?[0-9]+\\.[0-9]+" . | trimPrefix "v" -}}
{{- end }}

{{/* The release name as a DNS label, for the names of objects made per release (hook Jobs, test pod, their
RBAC): Helm accepts dots in release names, Pod and Job names here must not carry them. */}}
{{- define "terway-relay.releaseLabel" -}}
{{- .Release.Name | replace "." "-" -}}
{{- end }}

{{- define "terway-relay.typhaSelectorLabels" -}}
k8s-app: {{ include "terway-relay.typhaName" . }}
{{- end }}

{{/* Input: the render context. */}}
{{- define "terway-relay.typhaLabels" -}}
{{ include "terway-relay.typhaSelectorLabels" .root }}
{{ include "terway-relay.labels" . }}
app.kubernetes.io/component: typha
{{- end }}

{{/* The cluster-proportional-autoscaler that resizes Typha (typha.autoscaler): its object names and labels. */}}
{{- define "terway-relay.autoscalerName" -}}calico-typha-autoscaler{{- end }}

{{- define "terway-relay.autoscalerSelectorLabels" -}}
k8s-app: {{ include "terway-relay.autoscalerName" . }}
{{- end }}

{{/* Input: the render context. */}}
{{- define "terway-relay.autoscalerLabels" -}}
{{ include "terway-relay.autoscalerSelectorLabels" .root }}
{{ include "terway-relay.labels" . }}
app.kubernetes.io/component: typha-autoscaler
{{- end }}

{{/* "true" when the ServiceMonitor (and the metrics Service it selects) should render: asked for, and the
cluster serves the Prometheus Operator's CRD (the clusterFacts' serviceMonitorApi). Input: the render context. */}}
{{- define "terway-relay.serviceMonitorEnabled" -}}
{{- and .root.Values.typha.serviceMonitor.enabled (eq (include "terway-relay.relayEnabled" .root) "true") .facts.serviceMonitorApi -}}
{{- end }}

{{/* "true" when the PrometheusRule should render: asked for, and the ServiceMonitor whose job label its rules select
renders too, and the cluster serves the Prometheus Operator's PrometheusRule (the clusterFacts' prometheusRuleApi).
Input: the render context. */}}
{{- define "terway-relay.prometheusRuleEnabled" -}}
{{- and .root.Values.typha.prometheusRule.enabled (eq (include "terway-relay.serviceMonitorEnabled" .) "true") .facts.prometheusRuleApi -}}
{{- end }}

{{/* The headless metrics Service: the ServiceMonitor selects it, so Prometheus Operator names the scrape job after
it, and the alerts and the dashboard select Typha's series by that job. */}}
{{- define "terway-relay.metricsServiceName" -}}{{ include "terway-relay.typhaName" . }}-metrics{{- end }}

{{- define "terway-relay.metricsSelectorLabels" -}}
{{ include "terway-relay.typhaSelectorLabels" . }}
terway-relay/metrics: "true"
{{- end }}

{{/* Typha's image reference. Input: the render context. */}}
{{- define "terway-relay.image" -}}
{{- include "terway-relay.imageRef" (dict "image" .root.Values.typha.image "region" .root.Values.region "tag" (include "terway-relay.typhaTag" .)) }}
{{- end }}

{{/* registry/repository:tag for an image value (dict "image" <registry, repository, tag> "region" <region>,
optional "tag" overriding image.tag). An empty registry means the region's VPC endpoint of Alibaba Cloud's
registry, as the guide uses for Typha. */}}
{{- define "terway-relay.imageRef" -}}
{{- $registry := .image.registry | default (printf "registry-vpc.%s.aliyuncs.com" .region) -}}
{{- printf "%s/%s:%s" $registry .image.repository (.tag | default .image.tag) }}
{{- end }}

{{/* The one security context of every pod and container the chart runs: the restricted Pod Security Standard
(kubernetes.io/docs/concepts/security/pod-security-standards), non-root, no privilege escalation, no capabilities,
the runtime's default seccomp profile, a read-only root filesystem. Input dict: "user", a pod's uid and gid (and
"why", a comment saying where they come from); without "user", a container's. */}}
{{- define "terway-relay.restrictedSecurityContext" -}}
{{- if hasKey . "user" -}}
runAsNonRoot: true
{{- with .why }}
# {{ . }}
{{- end }}
runAsUser: {{ .user }}
runAsGroup: {{ .user }}
seccompProfile:
  type: RuntimeDefault
{{- else -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}
{{- end }}

{{- define "terway-relay.serviceAccountName" -}}
{{- $sa := .Values.typha.serviceAccount -}}
{{- $sa.name | default (ternary "calico-typha" "terway" $sa.create) }}
{{- end }}

{{/* PodDisruptionBudget API: policy/v1 from Kubernetes 1.21, policy/v1beta1 before (removed in 1.25).
"-0" lets pre-release style versions such as v1.26.3-aliyun.1 compare as releases. Input: the clusterFacts. */}}
{{- define "terway-relay.pdbApiVersion" -}}
{{- ternary "policy/v1" "policy/v1beta1" (semverCompare ">=1.21.0-0" .kubeVersion) }}
{{- end }}

{{/* "true" when the Typha tag is v3.25 or later: TYPHA_SHUTDOWNTIMEOUTSECS (graceful connection draining)
arrived in Calico v3.25 (projectcalico/calico#6973). Tags that are not a version get "false". Input: the render
context. */}}
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

{{/* Sizing for this release: where the node count came from, and the replica plan built on it.
With typha.autoscaler.enabled the autoscaler owns spec.replicas: an upgrade renders the live count (source
"live") so Helm neither fights the autoscaler nor drops the field, which would reset Typha to 1 replica
(Helm 3 three-way merge, Helm 4 server-side apply). A first install (no live Deployment) starts at the rule.
Input: the render context. */}}
{{- define "terway-relay.sizing" -}}
{{- $v := .root.Values -}}
{{- $nodes := int $v.nodeCount -}}
{{- $nodeSource := "values" -}}
{{- if eq $nodes 0 -}}
{{- $nodes = int .facts.nodes -}}
{{- $nodeSource = ternary "lookup" "unknown" (gt $nodes 0) -}}
{{- end -}}
{{- $plan := include "terway-relay.replicaPlan" (include "terway-relay.replicaPlanInput" (dict "root" .root "nodeCount" $nodes) | fromYaml) | fromYaml -}}
{{- if $plan.error }}{{ fail $plan.error }}{{ end -}}
{{- $replicas := $plan.replicas -}}
{{- $source := $plan.source -}}
{{- if $v.typha.autoscaler.enabled -}}
{{- if gt (int $v.typha.replicas) 0 -}}
{{- fail (printf "typha.replicas=%d: a fixed replica count is not allowed with typha.autoscaler.enabled: set it to 0" (int $v.typha.replicas)) -}}
{{- end -}}
{{- if eq $v.typha.replicaRule.formula "operator" -}}
{{- fail "typha.replicaRule.formula=operator cannot be used with typha.autoscaler.enabled: cluster-proportional-autoscaler's linear mode has no \"+ 2\", so set formula to guide or turn the autoscaler off" -}}
{{- end -}}
{{- if hasKey .facts "typhaReplicas" -}}
{{- $replicas = int .facts.typhaReplicas -}}
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
the harness warns on stderr when no node count was known. Input: the render context. */}}
{{- define "terway-relay.sizingSummary" -}}
{{- $s := include "terway-relay.sizing" . | fromYaml -}}
{{- if eq $s.source "live" -}}
replicas={{ $s.replicas }} (live: kept from the running Deployment, typha.autoscaler owns the count; the rule gives {{ $s.rule }})
{{- else if and (eq $s.nodeSource "unknown") .root.Values.typha.autoscaler.enabled -}}
replicas={{ $s.replicas }} ({{ $s.source }}); node count unknown (nodeCount=0 and no cluster to look up): minimum used until the autoscaler resizes Typha
{{- else if eq $s.nodeSource "unknown" -}}
replicas={{ $s.replicas }} ({{ $s.source }}); node count unknown (nodeCount=0 and no cluster to look up): minimum used, set nodeCount
{{- else -}}
replicas={{ $s.replicas }} ({{ $s.source }}); nodes={{ $s.nodeCount }} ({{ $s.nodeSource }})
{{- end -}}
{{- end }}

{{/* The one namespace the chart installs into: Terway's policy container sets FELIX_TYPHAK8SSERVICENAME but no
FELIX_TYPHAK8SNAMESPACE (AliyunContainerService/terway v1.17.5, charts/terway/templates/terwayd/daemonset.yaml), so
Felix looks for the Typha Service in its default namespace, kube-system (projectcalico/calico v3.24.5,
felix/config/config_params.go, TyphaK8sNamespace). Its harness twin is RELEASE_NAMESPACE (scripts/cross-field.ts). */}}
{{- define "terway-relay.releaseNamespace" -}}kube-system{{- end }}

{{/* Checks the schema makes too (the disable-mode acknowledgement, GitOps mode's required values, restoreOnSync
only with gitops.enabled), kept here for renders that skip it (--skip-schema-validation), and checks no schema can
express. Each failure is one sentence naming the field. */}}
{{- define "terway-relay.validate" -}}
{{- $ns := include "terway-relay.releaseNamespace" . -}}
{{- if and (ne (include "terway-relay.relayEnabled" .) "true") (not .Values.acknowledgeNetworkPolicyOff) -}}
{{- fail "mode disable-network-policy turns off NetworkPolicy enforcement in the whole cluster: set acknowledgeNetworkPolicyOff=true to confirm that is intended" -}}
{{- end -}}
{{- if and .Values.gitops.enabled (eq (int .Values.nodeCount) 0) -}}
{{- fail "nodeCount=0: gitops.enabled renders without lookup, so the chart cannot count the cluster's nodes: set nodeCount to its number of schedulable Linux nodes" -}}
{{- end -}}
{{- if and .Values.gitops.enabled (eq (include "terway-relay.relayEnabled" .) "true") (not .Values.typha.image.tag) -}}
{{- fail "typha.image.tag is empty: gitops.enabled renders without lookup, so the chart cannot read which Terway the cluster runs: set typha.image.tag to the Typha matching its Felix (docs/versions.md)" -}}
{{- end -}}
{{- if and .Values.gitops.restoreOnSync (not .Values.gitops.enabled) -}}
{{- fail "gitops.enabled=false: gitops.restoreOnSync is a step for Argo CD, which renders without lookup: set gitops.enabled=true with it" -}}
{{- end -}}
{{- if ne .Release.Namespace $ns -}}
{{- fail (printf "release namespace %q is not allowed: install terway-relay into %s (helm install -n %s), where Terway's Felix looks for the Typha Service" .Release.Namespace $ns $ns) -}}
{{- end -}}
{{- end }}
