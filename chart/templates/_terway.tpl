{{/*
What the chart knows about Terway: which Felix each release bundles, and what the live cluster runs.
*/}}

{{/* Felix bundled by Terway, by release: "FROM TO FELIX" lines, FROM <= version < TO. Derived from Terway's
release tags (the GIT_BRANCH of the policy image's Dockerfile at each tag; facts.md, Terway): v1.0.x bundles
Felix v3.5.x (v3.5.8 on the v1.0 builds ACK shipped, the Typha the guide installs), v1.1.0 to v1.4.x v3.20.2,
v1.5.1 to v1.17.x v3.24.5. v1.5.0 and anything newer are unknown: a warning, not a refusal. The hook script
receives these same lines (FELIX_VERSIONS) and compares the running Terway against them. */}}
{{- define "terway-relay.felixVersions" -}}
1.0.0 1.1.0 v3.5.8
1.1.0 1.5.0 v3.20.2
1.5.1 1.18.0 v3.24.5
{{- end }}

{{/* The Felix version for an image reference (ACK tags look like v1.0.10.333-gfd2b7b8-aliyun: the leading
vX.Y.Z is the Terway release), or "" when its version is not in the table. */}}
{{- define "terway-relay.felixForImage" -}}
{{- $tag := regexReplaceAll "@.*$" . "" | splitList "/" | last | splitList ":" | rest | join ":" -}}
{{- $v := regexFind "^v?[0-9]+\\.[0-9]+\\.[0-9]+" $tag | trimPrefix "v" -}}
{{- if $v -}}
{{- range splitList "\n" (include "terway-relay.felixVersions" .) -}}
{{- $f := splitList " " . -}}
{{- if semverCompare (printf ">=%s-0, <%s-0" (index $f 0) (index $f 1)) $v }}{{ index $f 2 }}{{ end -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* The first Terway DaemonSet of hook.terwayDaemonSets that exists in the live cluster, as YAML ({} offline:
lookup returns nothing under helm template). */}}
{{- define "terway-relay.liveTerway" -}}
{{- $found := dict -}}
{{- range .Values.hook.terwayDaemonSets -}}
{{- if not $found -}}
{{- $found = lookup "apps/v1" "DaemonSet" $.Release.Namespace . | default dict -}}
{{- end -}}
{{- end -}}
{{- toYaml $found -}}
{{- end }}

{{/* The Felix version of the live Terway's policy container, or "". */}}
{{- define "terway-relay.liveFelix" -}}
{{- $ds := include "terway-relay.liveTerway" . | fromYaml -}}
{{- if $ds.spec -}}
{{- range $ds.spec.template.spec.containers -}}
{{- if eq .name "policy" }}{{ include "terway-relay.felixForImage" .image }}{{ end -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* The Typha tag this release deploys: typha.image.tag; when empty, the Felix version of the Terway the cluster
runs (seen at install/upgrade with lookup); else the chart's appVersion. */}}
{{- define "terway-relay.typhaTag" -}}
{{- .Values.typha.image.tag | default (include "terway-relay.liveFelix" .) | default .Chart.AppVersion -}}
{{- end }}

{{/* The live Terway DaemonSet's maxUnavailable, or Terway's own chart default, 10%. */}}
{{- define "terway-relay.terwayMaxUnavailable" -}}
{{- $ds := include "terway-relay.liveTerway" . | fromYaml -}}
{{- $mu := "" -}}
{{- if $ds.spec -}}{{- with $ds.spec.updateStrategy -}}{{- with .rollingUpdate -}}{{- $mu = .maxUnavailable | default "" | toString -}}{{- end -}}{{- end -}}{{- end -}}
{{- $mu | default "10%" -}}
{{- end }}

{{/* "true" when this revision runs Typha (mode relay). */}}
{{- define "terway-relay.relayEnabled" -}}
{{- eq .Values.mode "relay" -}}
{{- end }}
