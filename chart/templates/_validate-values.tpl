{{/*
Value checks the schema cannot express, each failing with one sentence that names the field. Their harness twins
are in scripts/cross-field.ts (regionProblem, requestsAboveLimits), word for word; test/differential.test.ts proves
both refuse the same values.
*/}}
{{- define "terway-relay.validateValues" -}}
{{- $region := .Values.region | toString -}}
{{- $known := list -}}
{{- range splitList "\n" (.Files.Get "files/regions.txt") -}}
{{- $line := trim . -}}
{{- if and $line (not (hasPrefix "#" $line)) }}{{ $known = append $known $line }}{{ end -}}
{{- end -}}
{{- if eq $region "" -}}
{{- fail "region is required: set it to the cluster's Alibaba Cloud region id, such as cn-hangzhou (the default images come from registry-vpc.<region>.aliyuncs.com)" -}}
{{- else if not (has $region $known) -}}
{{- /* Zone ids are the region id plus a letter: cn-hangzhou-h, ap-southeast-1a. */ -}}
{{- $zoneOf := regexReplaceAll "-?[a-z]$" $region "" -}}
{{- if and (ne $zoneOf $region) (has $zoneOf $known) -}}
{{- fail (printf "region %s is a zone id, not a region id: did you mean %s?" $region $zoneOf) -}}
{{- else if eq .Values.typha.image.registry "" -}}
{{- fail (printf "region %s is not in the chart's list of Alibaba Cloud regions (files/regions.txt): set typha.image.registry explicitly (e.g. registry-vpc.%s.aliyuncs.com) once you know the registry serves that region" $region $region) -}}
{{- end -}}
{{- end -}}
{{- include "terway-relay.requestsWithinLimits" (dict "path" "typha.resources" "resources" .Values.typha.resources) -}}
{{- include "terway-relay.requestsWithinLimits" (dict "path" "typha.autoscaler.resources" "resources" .Values.typha.autoscaler.resources) -}}
{{- end }}

{{/* Fails when a request is above its limit (the API server would refuse the pod). Input: dict path, resources. */}}
{{- define "terway-relay.requestsWithinLimits" -}}
{{- $limits := .resources.limits | default dict -}}
{{- range $name, $request := (.resources.requests | default dict) -}}
{{- if hasKey $limits $name -}}
{{- $limit := get $limits $name -}}
{{- if gt (include "terway-relay.quantityValue" $request | float64) (include "terway-relay.quantityValue" $limit | float64) -}}
{{- fail (printf "%s.requests.%s: %s is above %s.limits.%s=%s: a request may not exceed its limit (the API server refuses the pod)" $.path $name $request $.path $name $limit) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* A resource quantity's value as a float, in Kubernetes' grammar (kubernetes/apimachinery
pkg/api/resource/quantity.go): a number, then a binary SI suffix, a decimal SI suffix or an e/E exponent. The
schema has already checked the grammar. Twin of quantityValue() in scripts/cross-field.ts. */}}
{{- define "terway-relay.quantityValue" -}}
{{- $q := toString . -}}
{{- $num := regexFind "^\\+?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?" $q -}}
{{- $suffix := trimPrefix $num $q -}}
{{- $mult := get (dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0) $suffix -}}
{{- mulf (trimPrefix "+" $num | float64) $mult -}}
{{- end }}
