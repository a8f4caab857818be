{{/*
What the chart knows about Terway: which Felix each release bundles, and what the live cluster runs.
*/}}

{{/*
THE Terway -> Felix table: "FROM TO FELIX TYPHA" lines, FROM <= version < TO, TO "-" for open-ended. Versions are
A.B.C.D: the Terway release A.B.C, then D, the `git describe` commit count past it that ACK build tags carry
(v1.0.10.333-gfd2b7b8-aliyun is 1.0.10.333; a release tag such as v1.9.0 is 1.9.0.0). FELIX is the Calico branch
the policy image builds (GIT_BRANCH in terway's Dockerfile, Dockerfile.policy or deploy/images/policy/Dockerfile at
each tag, AliyunContainerService/terway); TYPHA is the acs/typha tag the chart deploys for it.
- 1.0.10.0: v3.5.2 (Dockerfile at v1.0.10). 1339616a "upgrade felix to 3.5.8" is v1.0.10-153 and f770ebe3 "update
  felix to 3.20.2" is v1.0.10-456 (git describe; v1.1.0 is v1.0.10-471); on that history a count >= 153 holds
  1339616a and a count >= 456 holds f770ebe3. ACK's v3.5 Typha is v3.5.8 (the guide's image): same minor.
- v1.1.0 to v1.4.4-1: v3.20.2. From v1.2.2 the image copies Felix from a policy image pinned by digest, built
  from Dockerfile.policy, whose GIT_BRANCH stayed v3.20.2 until 7a67b8c6.
- 7a67b8c6 "policy: bump calico-felix to v3.24.5" is v1.4.4-2 and pins the new policy image; v1.5.1 and every
  later tag to today's main build v3.24.5 (deploy/images/policy/Dockerfile).
- v1.5.0 has no tag upstream and versions before v1.0.10 have no source: no row places them, so the hook and,
  with typha.image.tag empty, the chart refuse them unless typha.allowVersionSkew.
The hook receives these same lines (FELIX_VERSIONS) and reads them with the same rules (files/relay-hook.sh).
*/}}
{{- define "terway-relay.felixVersions" -}}
1.0.10.0 1.0.10.153 v3.5.2 v3.5.8
1.0.10.153 1.0.10.456 v3.5.8 v3.5.8
1.0.10.456 1.4.4.2 v3.20.2 v3.20.2
1.4.4.2 1.5.0.0 v3.24.5 v3.24.5
1.5.1.0 - v3.24.5 v3.24.5
{{- end }}

{{/* "A.B.C.D" from an image reference's tag (rules above), or "" when its tag is not a Terway version. */}}
{{- define "terway-relay.terwayVersion" -}}
{{- $name := regexReplaceAll "@.*$" . "" | splitList "/" | last -}}
{{- if contains ":" $name -}}
{{- $tag := splitList ":" $name | rest | join ":" -}}
{{- if regexMatch "^v?[0-9]{1,9}\\.[0-9]{1,9}\\.[0-9]{1,9}(\\.[0-9]{1,9})?([-+].*)?$" $tag -}}
{{- $nums := regexFindAll "[0-9]+" (regexFind "^v?[0-9]+\\.[0-9]+\\.[0-9]+(\\.[0-9]+)?" $tag) -1 -}}
{{- join "." (ternary $nums (append $nums "0") (eq (len $nums) 4)) -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* "true" when version (index . 0) < version (index . 1), both A.B.C.D. */}}
{{- define "terway-relay.versionLess" -}}
{{- $b := splitList "." (index . 1) -}}
{{- $r := "" -}}
{{- range $i, $x := splitList "." (index . 0) -}}
{{- if not $r -}}
{{- $y := int64 (index $b $i) -}}
{{- if lt (int64 $x) $y }}{{ $r = "true" }}{{ else if gt (int64 $x) $y }}{{ $r = "false" }}{{ end -}}
{{- end -}}
{{- end -}}
{{- eq $r "true" -}}
{{- end }}

{{/* The row ("FROM TO FELIX TYPHA") of the table that places an image reference's Terway version, or "". (The
hook's felix_row reads the same table.) */}}
{{- define "terway-relay.terwayRow" -}}
{{- $v := include "terway-relay.terwayVersion" . -}}
{{- $found := "" -}}
{{- if $v -}}
{{- range splitList "\n" (include "terway-relay.felixVersions" .) -}}
{{- $f := splitList " " . -}}
{{- if and (not $found) (ne (include "terway-relay.versionLess" (list $v (index $f 0))) "true") -}}
{{- if or (eq (index $f 1) "-") (eq (include "terway-relay.versionLess" (list $v (index $f 1))) "true") -}}
{{- $found = . -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $found -}}
{{- end }}

{{/* The Typha tag this release deploys: typha.image.tag; when empty, the TYPHA column of the table row that places
the Terway the cluster runs (the clusterFacts' terwayImage, read at install/upgrade); offline, the chart's
appVersion. A live Terway the table cannot place is refused, unless typha.allowVersionSkew (then the appVersion).
Input: the render context. */}}
{{- define "terway-relay.typhaTag" -}}
{{- $root := .root -}}
{{- if $root.Values.typha.image.tag -}}
{{- $root.Values.typha.image.tag -}}
{{- else -}}
{{- $image := .facts.terwayImage | default "" -}}
{{- $row := include "terway-relay.terwayRow" $image -}}
{{- if $row -}}
{{- index (splitList " " $row) 3 -}}
{{- else if or (not $image) $root.Values.typha.allowVersionSkew -}}
{{- $root.Chart.AppVersion -}}
{{- else -}}
{{- fail (printf "typha.image.tag is empty and the cluster's Terway (%s) is a version the chart's Felix table cannot place, so no Typha can be chosen to match its Felix: set typha.image.tag to that Felix's version (docs/versions.md), or typha.allowVersionSkew=true to deploy %s" $image $root.Chart.AppVersion) -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/*
The one Typha/Felix pairing no value accepts, typha.allowVersionSkew included: Typha older than v3.14 sends no v3
Profile resources (projectcalico/libcalico-go db65b5e5, first pinned by projectcalico/typha v3.14.0), and Felix
from v3.23 takes namespace and service-account labels only from them (projectcalico/calico 2964babf, PR #5524;
felix/labelindex/label_inheritance_index.go at v3.24.5). Nothing fails: the selectors just match nothing. The
sentence, or "". Input: list TYPHA FELIX TERWAY (tags, and the Terway image). Its twins, word for word:
typhaFelixRefusal in scripts/version-skew.ts, and the hook's check_versions.
*/}}
{{- define "terway-relay.typhaFelixRefusal" -}}
{{- $typha := include "terway-relay.minorLine" (index . 0) -}}
{{- $felix := include "terway-relay.minorLine" (index . 1) -}}
{{- if and $typha $felix -}}
{{- if and (eq (include "terway-relay.versionLess" (list (printf "%s.0.0" $typha) "3.14.0.0")) "true") (ne (include "terway-relay.versionLess" (list (printf "%s.0.0" $felix) "3.23.0.0")) "true") -}}
{{- printf "Typha %s is older than v3.14 and sends no v3 Profiles, which Felix %s (from v3.23) needs for namespace and service-account labels: every namespaceSelector and serviceAccountSelector would match nothing (projectcalico/calico#5524), so no typha.allowVersionSkew can pair it with Terway %s: set typha.image.tag=%s" (index . 0) (index . 1) (index . 2) (index . 1) -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* Fails a relay release whose Typha tag and the live Terway's Felix (the table row that places the clusterFacts'
terwayImage) make the pairing above. Offline, and under gitops.enabled, no Terway is known: the hook checks it.
Input: the render context. */}}
{{- define "terway-relay.refuseTyphaFelix" -}}
{{- if eq (include "terway-relay.relayEnabled" .root) "true" -}}
{{- with include "terway-relay.terwayRow" (.facts.terwayImage | default "") -}}
{{- with include "terway-relay.typhaFelixRefusal" (list (include "terway-relay.typhaTag" $) (index (splitList " " .) 2) $.facts.terwayImage) -}}
{{- fail . -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* "true" when this revision runs Typha (mode relay). */}}
{{- define "terway-relay.relayEnabled" -}}
{{- eq .Values.mode "relay" -}}
{{- end }}
