{{/*
The eni-config hook: one script (files/relay-hook.sh) run by one Job per Helm phase. Everything the Jobs, their
RBAC and NOTES share is defined here once.
*/}}

{{/* Base name of the hook's ServiceAccount, Role, RoleBinding, script ConfigMap and Jobs. The Job controller
labels pods with job-name=<Job name>, a label value of at most 63 characters: 35 + "-eni-config" (11) +
"-post-rollback" (14) = 60. */}}
{{- define "terway-relay.hookName" -}}
{{- printf "%s-eni-config" (include "terway-relay.releaseLabel" . | trunc 35 | trimSuffix "-") -}}
{{- end }}

{{/*
The hook Jobs, one per entry: phase (the script's PHASE), name (the Job's suffix), helm (its helm.sh/hook) and,
in GitOps mode, argo (its argocd.argoproj.io/hook). pre-install only checks (and forgets other releases'
records); post-* switch Felix over; pre-upgrade/pre-rollback move Felix off a Typha the coming revision drops,
before Helm deletes it; pre-delete restores.
Argo CD maps pre-install and pre-upgrade to PreSync, post-install and post-upgrade to PostSync, and never runs
pre-rollback, post-rollback or test (argoproj/argo-cd v3.4.7 gitops-engine/pkg/sync/hook/helm/type.go); it
runs PreDelete from v3.3.0 (controller/hook.go), with comma-separated hook lists fixed in v3.3.3 (#26420) and
v3.3.5 (#26996). GitOps mode gives it one Job per hook type, with its own annotations (an object with an Argo CD
hook annotation has its Helm ones ignored: gitops-engine/pkg/sync/hook/hook.go Types); the Helm annotations
stay, so the same manifests still run as Helm hooks under helm or Flux. gitops.restoreOnSync (with gitops.enabled)
makes the sync itself restore eni-config (a PostSync Job running the pre-delete phase) for Argo CD before v3.3.5:
delete the Application once that sync has finished.
*/}}
{{- define "terway-relay.hookJobs" -}}
{{- if .Values.gitops.restoreOnSync }}
- {phase: pre-delete, name: restore, helm: "post-install,post-upgrade", argo: PostSync}
- {phase: pre-delete, name: pre-delete, helm: pre-delete, argo: PreDelete}
{{- else if .Values.gitops.enabled }}
- {phase: pre-upgrade, name: pre-sync, helm: "pre-install,pre-upgrade", argo: PreSync}
- {phase: post-upgrade, name: post-sync, helm: "post-install,post-upgrade", argo: PostSync}
- {phase: pre-delete, name: pre-delete, helm: pre-delete, argo: PreDelete}
{{- else }}
{{- range list "pre-install" "post-install" "pre-upgrade" "post-upgrade" "pre-rollback" "post-rollback" "pre-delete" }}
- {phase: {{ . }}, name: {{ . }}, helm: {{ . }}}
{{- end }}
{{- end }}
{{- end }}

{{/* Annotations of the objects every Job needs (ServiceAccount, Role, RoleBinding, script). Helm orders hooks
by weight, then by name, whatever their kind (helm v3.17.2 pkg/action/hooks.go, hookByWeight): they must weigh less than the Jobs (weight 0) to exist first.
Under Argo CD they are PreSync hooks one wave before the Jobs, kept between syncs (BeforeHookCreation only), so
they exist for the PostSync and PreDelete Jobs too: Argo CD creates the PreDelete hooks all at once, without
waves (controller/hook.go executeHooks). */}}
{{- define "terway-relay.hookSupportAnnotations" -}}
{{- $helm := list -}}
{{- range (include "terway-relay.hookJobs" . | fromYamlArray) }}{{ $helm = concat $helm (splitList "," .helm) }}{{ end -}}
{{- if .Values.gitops.enabled -}}
{{- /* Not pre-delete: Argo CD takes an object whose helm.sh/hook lists pre-delete for a PreDelete hook whatever its
Argo CD annotation says (controller/hook.go isHookOfType), and v3.3.3-v3.3.4 leave PreDelete hooks out of the sync
(controller/state.go), so the Jobs would run without them. Kept instead (no hook-succeeded), so the pre-delete Job
finds them under Helm too. */ -}}
{{- $helm = without $helm "pre-delete" -}}
{{- end }}
helm.sh/hook: {{ $helm | uniq | join "," }}
helm.sh/hook-weight: "-10"
helm.sh/hook-delete-policy: {{ ternary "before-hook-creation" "before-hook-creation,hook-succeeded" .Values.gitops.enabled }}
{{- if .Values.gitops.enabled }}
argocd.argoproj.io/hook: PreSync
argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
argocd.argoproj.io/sync-wave: "-1"
{{- end }}
{{- end }}

{{/* The metadata of each of those objects (terway-relay.metadata's dict). Input: the render context. */}}
{{- define "terway-relay.hookSupportMetadata" -}}
{{- toYaml (dict "name" (include "terway-relay.hookName" .root) "namespace" .root.Release.Namespace "labels" (include "terway-relay.hookLabels" .) "annotations" (include "terway-relay.hookSupportAnnotations" .root)) -}}
{{- end }}

{{/* Input: the render context (terway-relay.labels). */}}
{{- define "terway-relay.hookLabels" -}}
{{ include "terway-relay.labels" . }}
app.kubernetes.io/component: eni-config-hook
{{- end }}

{{/* The eni-config keys this chart may own, defined once here: the hook script and the helm test take them
from their environment. Terway's policy container reads them as env at start (terway
charts/terway/templates/terwayd/daemonset.yaml, v1.17.5), so a change needs a restart. */}}
{{- define "terway-relay.eniConfigKeys" -}}
relay: felix_relay_service
disable: disable_network_policy
{{- end }}

{{/* The owned eni-config key and the value this revision writes: the Typha Service name, or "true". */}}
{{- define "terway-relay.ownedKey" -}}
{{- $keys := include "terway-relay.eniConfigKeys" . | fromYaml -}}
{{- ternary $keys.relay $keys.disable (eq (include "terway-relay.relayEnabled" .) "true") -}}
{{- end }}
{{- define "terway-relay.ownedValue" -}}
{{- ternary .Values.typha.serviceName "true" (eq (include "terway-relay.relayEnabled" .) "true") -}}
{{- end }}

{{/*
Time budget of a hook Job. Helm's --timeout (default 5m) bounds each hook, and a Terway roll takes one batch
(the DaemonSet's maxUnavailable, Terway's chart: 10%) at a time: batches = ceil(nodes / batch), each about
hook.secondsPerRollBatch. The Job's activeDeadlineSeconds covers the Typha wait, the roll, the Felix check and
a minute of kubectl calls; Helm's --timeout must exceed it (NOTES prints it; docs/hook.md, Time budget). Nodes: nodeCount, else
counted at install; offline, 1000 is assumed (said in NOTES). Input: the render context.
*/}}
{{- define "terway-relay.hookBudget" -}}
{{- $facts := .facts -}}
{{- with .root -}}
{{- $nodes := int .Values.nodeCount -}}
{{- if eq $nodes 0 }}{{ $nodes = int $facts.nodes }}{{ end -}}
{{- $assumed := eq $nodes 0 -}}
{{- if $assumed }}{{ $nodes = 1000 }}{{ end -}}
{{- $mu := $facts.terwayMaxUnavailable -}}
{{- $batch := 1 -}}
{{- if hasSuffix "%" $mu -}}
{{- /* A DaemonSet rounds a percentage up (intstr.GetScaledValueFromIntOrPercent, roundUp=true). */ -}}
{{- $batch = div (add (mul $nodes (int (trimSuffix "%" $mu))) 99) 100 -}}
{{- else -}}
{{- $batch = int $mu -}}
{{- end -}}
{{- $batch = max 1 $batch -}}
{{- $batches := div (add $nodes (sub $batch 1)) $batch -}}
{{- $roll := mul $batches (int .Values.hook.secondsPerRollBatch) -}}
{{- $deadline := add $roll 60 -}}
{{- if eq (include "terway-relay.relayEnabled" .) "true" -}}
{{- $deadline = add $deadline (int .Values.hook.typhaReadyTimeoutSeconds) -}}
{{- if .Values.hook.verifyFelixConnections }}{{ $deadline = add $deadline (int .Values.hook.felixConnectTimeoutSeconds) }}{{ end -}}
{{- end -}}
nodes: {{ $nodes }}
nodesAssumed: {{ $assumed }}
maxUnavailable: {{ $mu | quote }}
batch: {{ $batch }}
batches: {{ $batches }}
rollSeconds: {{ $roll }}
deadlineSeconds: {{ $deadline }}
helmTimeout: {{ printf "%dm" (div (add $deadline 60 59) 60) | quote }}
{{- end -}}
{{- end }}

{{- define "terway-relay.hookImage" -}}
{{- include "terway-relay.imageRef" (dict "image" .Values.hook.image "region" .Values.region) }}
{{- end }}

{{/* The script's environment: what the coming revision wants (the script has no other input). Input: the render
context, phase and budget (its Job's terway-relay.hookBudget). */}}
{{- define "terway-relay.hookEnv" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $budget := .budget -}}
{{- $keys := include "terway-relay.eniConfigKeys" $root | fromYaml -}}
- name: PHASE
  value: {{ .phase | quote }}
- name: MODE
  value: {{ $v.mode | quote }}
- name: RELEASE
  value: {{ printf "%s/%s" $root.Release.Namespace $root.Release.Name | quote }}
- name: RELAY_KEY
  value: {{ $keys.relay | quote }}
- name: DISABLE_KEY
  value: {{ $keys.disable | quote }}
- name: OWNED_KEY
  value: {{ include "terway-relay.ownedKey" $root | quote }}
- name: OWNED_VALUE
  value: {{ include "terway-relay.ownedValue" $root | quote }}
- name: NAMESPACE
  value: {{ $root.Release.Namespace | quote }}
- name: CONFIGMAP
  value: {{ $v.hook.configMapName | quote }}
- name: DAEMONSETS
  value: {{ join " " $v.hook.terwayDaemonSets | quote }}
- name: SERVICE_NAME
  value: {{ $v.typha.serviceName | quote }}
- name: TYPHA_DEPLOYMENT
  value: {{ include "terway-relay.typhaName" $root | quote }}
{{- if eq (include "terway-relay.relayEnabled" $root) "true" }}
- name: TYPHA_MIN_READY
  value: {{ (include "terway-relay.sizing" . | fromYaml).replicas | quote }}
- name: TYPHA_VERSION
  value: {{ include "terway-relay.typhaTag" . | quote }}
{{- end }}
- name: ALLOW_VERSION_SKEW
  value: {{ $v.typha.allowVersionSkew | quote }}
- name: FELIX_VERSIONS
  value: {{ include "terway-relay.felixVersions" $root | quote }}
- name: TYPHA_READY_TIMEOUT
  value: {{ $v.hook.typhaReadyTimeoutSeconds | quote }}
- name: ROLLOUT_TIMEOUT
  value: {{ $budget.rollSeconds | quote }}
- name: VERIFY_CONNECTIONS
  value: {{ $v.hook.verifyFelixConnections | quote }}
- name: CONNECT_TIMEOUT
  value: {{ $v.hook.felixConnectTimeoutSeconds | quote }}
- name: METRICS_PORT
  value: {{ include "terway-relay.metricsPort" $root | quote }}
- name: POLL_SECONDS
  value: "5"
- name: HOME
  value: /home/hook
- name: TMPDIR
  value: /home/hook
{{- end }}

{{/* One hook Job. Input dict: root (the chart context), facts (terway-relay.clusterFacts), job (an entry of
terway-relay.hookJobs). */}}
{{- define "terway-relay.hookJob" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $name := include "terway-relay.hookName" $root -}}
{{- $budget := include "terway-relay.hookBudget" . | fromYaml -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ printf "%s-%s" $name .job.name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "terway-relay.hookLabels" . | nindent 4 }}
  annotations:
    helm.sh/hook: {{ .job.helm }}
    helm.sh/hook-weight: "0"
    # A failed Job stays for its logs (docs/hook.md: Reading the hook's logs). No ttlSecondsAfterFinished: Helm 4's
    # waiter hangs on it.
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
    {{- with .job.argo }}
    argocd.argoproj.io/hook: {{ . }}
    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation,HookSucceeded
    argocd.argoproj.io/sync-wave: "0"
    {{- end }}
spec:
  # One retry: the script is idempotent (it re-reads everything and restarts only on a hash mismatch).
  backoffLimit: 1
  # Below the helm --timeout NOTES prints ({{ $budget.helmTimeout }}), so Kubernetes ends a stuck hook first.
  activeDeadlineSeconds: {{ $budget.deadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "terway-relay.hookLabels" . | nindent 8 }}
    spec:
      serviceAccountName: {{ $name }}
      restartPolicy: Never
      nodeSelector:
        kubernetes.io/os: linux
      securityContext:
        {{- include "terway-relay.restrictedSecurityContext" (dict "user" 65534) | nindent 8 }}
      containers:
        - name: eni-config
          image: {{ include "terway-relay.hookImage" $root | quote }}
          imagePullPolicy: {{ $v.hook.image.pullPolicy }}
          command: ["/bin/sh", "/hook/relay-hook.sh"]
          env:
            {{- include "terway-relay.hookEnv" (dict "root" $root "facts" .facts "phase" .job.phase "budget" $budget) | nindent 12 }}
          resources:
            requests:
              cpu: 10m
              memory: 32Mi
            limits:
              memory: 128Mi
          securityContext:
            {{- include "terway-relay.restrictedSecurityContext" (dict) | nindent 12 }}
          volumeMounts:
            - name: script
              mountPath: /hook
              readOnly: true
            # kubectl writes its cache under $HOME/.kube; the root filesystem is read-only.
            - name: home
              mountPath: /home/hook
      volumes:
        - name: script
          configMap:
            name: {{ $name }}
            defaultMode: 0555
        - name: home
          emptyDir: {}
{{- end }}

{{/* NOTES lines about the hook: what it does in this mode and the --timeout this cluster needs. Input: the render
context. */}}
{{- define "terway-relay.hookNotes" -}}
{{- $b := include "terway-relay.hookBudget" . | fromYaml -}}
{{- with .root -}}
eni-config ({{ .Values.hook.configMapName }}): the hook Jobs set {{ include "terway-relay.ownedKey" . }}={{ include "terway-relay.ownedValue" . | quote }}
{{- if eq (include "terway-relay.relayEnabled" .) "true" }} once Typha is ready{{ end }}, roll Terway {{ $b.maxUnavailable }} at a time
and restore the previous value on uninstall. Logs: kubectl -n {{ .Release.Namespace }} logs job/{{ include "terway-relay.hookName" . }}-<phase>

Helm --timeout: a roll of {{ $b.nodes }} nodes{{ if $b.nodesAssumed }} (assumed: no node count known){{ end }} takes about {{ $b.batches }} batches x {{ .Values.hook.secondsPerRollBatch }}s; each hook may run
{{ $b.deadlineSeconds }}s, so pass --timeout {{ $b.helmTimeout }} (or more) to helm install, upgrade, rollback and uninstall.
{{- end -}}
{{- end }}

{{/* NOTES' undo commands, with the --timeout every hook-running command needs:
(dict "root" . "facts" $facts "heading" "Roll back" "comment" "removes the relay altogether"). */}}
{{- define "terway-relay.undoNotes" -}}
{{- $r := .root -}}
{{- $ns := $r.Release.Namespace -}}
{{- $timeout := (include "terway-relay.hookBudget" . | fromYaml).helmTimeout -}}
{{ .heading }} (the hooks roll Terway again: keep the --timeout):
  helm -n {{ $ns }} history {{ $r.Release.Name }}
  helm -n {{ $ns }} rollback {{ $r.Release.Name }} <revision> --timeout {{ $timeout }}
  helm -n {{ $ns }} uninstall {{ $r.Release.Name }} --timeout {{ $timeout }}    # {{ .comment }}
{{- end }}
