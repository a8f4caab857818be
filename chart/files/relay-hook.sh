#!/bin/sh
# terway-relay hook: brings Terway's eni-config (kube-system) to the state a chart revision wants, rolls the
# Terway DaemonSet when that state changed, and undoes it on the way out. Run by the hook Jobs
# (templates/hook-jobs.yaml); every input comes from their environment, rendered by templates/_hook.tpl.
#
# The rule: Felix never points at a Typha that is not running and ready.
#   post-install, post-upgrade, post-rollback: wait for Typha (relay mode), then set the owned key, roll, and
#     prove Felix connected;
#   pre-upgrade, pre-rollback: when the coming revision no longer has this Typha (mode switch, Service rename,
#     rollback), point Felix away and finish the roll before Helm deletes Typha;
#   pre-delete: restore, roll and wait, always;
#   pre-install: preflight only, and forget records another release left behind (uninstalled with --no-hooks).
#
# Any order, any overlap: Argo CD runs pre-install with pre-upgrade, and post-install with post-upgrade, at once
# on every sync (argoproj/argo-cd v3.4.7 docs/user-guide/helm.md, "'install' vs 'upgrade' vs 'sync'"). So the
# record of a key's previous state is written once, stamped with the release, and only the restore that
# consumes it removes it; every write is guarded by the resourceVersion it was planned from, and a Job that loses
# the race reads again and re-plans (at most CONFLICT_ATTEMPTS times).
#
# POSIX sh plus kubectl, sed and sleep, nothing else (checked first, below): the acs/kubectl image is documented
# only as having sh, sed and cat. No temporary files: facts live in shell variables. kubectl does the parsing
# (go-templates over objects; JSON text inside a ConfigMap value is parsed by kubectl --local, see cni_engine);
# JSON Patch copy/remove moves values without the shell ever quoting an arbitrary value. Every template guards
# missing fields with "with": Helm deletes the text kubectl prints for a missing field from the chart's files,
# so this script must never need to match it.
set -eu

# Required inputs, all rendered by the chart (templates/_hook.tpl, terway-relay.hookEnv): no defaults here, so
# nothing can drift from the chart's values.
: "${PHASE:?}" "${MODE:?}" "${RELEASE:?}" "${NAMESPACE:?}" "${CONFIGMAP:?}" "${DAEMONSETS:?}"
: "${RELAY_KEY:?}" "${DISABLE_KEY:?}" "${OWNED_KEY:?}" "${OWNED_VALUE:?}" "${SERVICE_NAME:?}" "${TYPHA_DEPLOYMENT:?}"
: "${ALLOW_VERSION_SKEW:?}" "${FELIX_VERSIONS:?}" "${TYPHA_READY_TIMEOUT:?}" "${ROLLOUT_TIMEOUT:?}"
: "${VERIFY_CONNECTIONS:?}" "${CONNECT_TIMEOUT:?}" "${METRICS_PORT:?}" "${POLL_SECONDS:?}"
if [ "$MODE" = relay ]; then : "${TYPHA_MIN_READY:?}" "${TYPHA_VERSION:?}"; fi
KUBECTL=${KUBECTL:-kubectl} # the image's kubectl; the test suite points it at its own binary

# The eni-config keys this chart may own (RELAY_KEY, DISABLE_KEY) and the one this revision owns come from the
# chart's one definition (templates/_hook.tpl, terway-relay.eniConfigKeys).
KEYS="$RELAY_KEY $DISABLE_KEY"
# Per key, on the ConfigMap: record.KEY = absent | value | ours (a value that already named this chart's
# Service), previous.KEY = the value itself when record is "value". RELEASE_STAMP names the release that wrote
# the records (NAMESPACE/NAME): a pre-install that finds its own release's records keeps them.
RECORD=terway-relay/record.
PREVIOUS=terway-relay/previous.
RELEASE_STAMP=terway-relay/release
# On each Terway DaemonSet's pod template: the owned keys' values the pods were rolled for, as one canonical
# string (KEY=VALUE; per key, VALUE %q-quoted or - for absent; annotation values have no length limit worth
# minding). Changing it is a rolling restart (what `kubectl rollout restart` does). A forced roll with unchanged
# values prefixes a counter: "N KEY=...".
STATE_ANNOTATION=terway-relay/eni-config
# Only exclusive-ENI Terway: named in a refusal, never modified. Exclusive-ENI nodes run no Felix (terway
# cmd/terway-cli/policy.go, initPolicy -> runExclusiveENI, v1.17.5).
ENI_ONLY_DAEMONSET=terway-eni
# How many times a write that lost a race (its resourceVersion guard failed) is planned again from a fresh read.
CONFLICT_ATTEMPTS=10

log() { printf '%s\n' "terway-relay $PHASE: $*"; }
warn() { printf '%s\n' "terway-relay $PHASE: WARNING: $*" >&2; }
fail() {
  printf '%s\n' "terway-relay $PHASE: ERROR: $*" >&2
  exit 1
}
kc() { "$KUBECTL" --namespace "$NAMESPACE" "$@"; }

# Every tool the script runs, checked before it reads or changes anything (printf, read and command are shell
# builtins). sleep only paces the waits.
check_tools() {
  for tool in "$KUBECTL" sed sleep; do
    command -v "$tool" >/dev/null 2>&1 ||
      fail "the hook image has no $tool on its PATH, and this hook needs kubectl, sed and sleep besides sh: set hook.image to an image that has them; nothing was changed."
  done
}

check_inputs() {
  case "$OWNED_KEY" in
    "$RELAY_KEY" | "$DISABLE_KEY") ;;
    *) fail "OWNED_KEY $OWNED_KEY is neither $RELAY_KEY nor $DISABLE_KEY; nothing was changed." ;;
  esac
  case "$PHASE" in
    pre-install | post-install | post-upgrade | post-rollback | pre-upgrade | pre-rollback | pre-delete) ;;
    *) fail "unknown PHASE $PHASE; nothing was changed." ;;
  esac
  # Waits are counted in tenths of a second (sh arithmetic is integer-only), so POLL_SECONDS may carry one
  # decimal: the chart renders 5, the test suite polls every 0.2 s.
  case "$POLL_SECONDS" in
    [0-9] | [1-9][0-9] | [0-9].[0-9] | [1-9][0-9].[0-9]) ;;
    *) fail "POLL_SECONDS must be seconds with at most one decimal (0.1 to 99.9), not '$POLL_SECONDS'; nothing was changed." ;;
  esac
  case "$POLL_SECONDS" in
    *.*) POLL_TENTHS=$((${POLL_SECONDS%.*} * 10 + ${POLL_SECONDS#*.})) ;;
    *) POLL_TENTHS=$((POLL_SECONDS * 10)) ;;
  esac
  [ "$POLL_TENTHS" -gt 0 ] || fail "POLL_SECONDS must be above 0, not '$POLL_SECONDS'; nothing was changed."
}

# The first line of $2 that starts with "$1 ", without that prefix.
line_of() { printf '%s\n' "$2" | sed -n "\\|^$1 |{s|^$1 ||p;q;}"; }
quoted() { printf '"%s"' "$1"; } # only for literals this chart owns: a Service name (DNS label), "true", a release
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; } # one line of text as a JSON string
pointer() { printf '%s' "$1" | sed 's|~|~0|g; s|/|~1|g'; } # JSON Pointer escaping (RFC 6901)

# ---------------------------------------------------------------------------------------------------------
# JSON Patch (RFC 6902): one helper per operation, each appending to OPS. Values are JSON text the chart owns
# (quoted literals, {}, the state annotation via json_string); an arbitrary eni-config value is only ever moved
# by copy.
op() { OPS="$OPS,$1"; }
op_test() { printf '{"op":"test","path":"%s","value":%s}' "$1" "$2"; } # printed: it leads the document
op_add() { op "{\"op\":\"add\",\"path\":\"$1\",\"value\":$2}"; }
op_copy() { op "{\"op\":\"copy\",\"from\":\"$1\",\"path\":\"$2\"}"; }
op_remove() { op "{\"op\":\"remove\",\"path\":\"$1\"}"; }
data_path() { printf '/data/%s' "$(pointer "$1")"; }
annotation_path() { printf '/metadata/annotations/%s' "$(pointer "$1")"; }

# ---------------------------------------------------------------------------------------------------------
# eni-config. One go-template call prints one line per fact. Values come %q-quoted (one line, Go escapes) so
# they can be compared and stored on the pod template; the shell never writes an arbitrary value back to
# eni-config: JSON Patch copy moves it between data and annotations.

# shellcheck disable=SC2016 # $v and $l are go-template variables, not shell ones
cm_template() {
  t='rv {{with .metadata.resourceVersion}}{{.}}{{end}}{{"\n"}}'
  t="$t"'annotations {{if .metadata.annotations}}yes{{else}}no{{end}}{{"\n"}}'
  t="$t"'data {{if .data}}yes{{else}}no{{end}}{{"\n"}}'
  t="$t"'release {{with .metadata.annotations}}{{with index . "'"$RELEASE_STAMP"'"}}{{.}}{{end}}{{end}}{{"\n"}}'
  # The CNI config Terway reads: 10-terway.conflist when that key exists, else 10-terway.conf (terway
  # cmd/terway-cli/cni.go processInput and common.go getAllConfig, v1.17.5; docs/cni-chain.md).
  t="$t"'cni {{with .data}}{{if eq (printf "%T" (index . "10-terway.conflist")) "string"}}10-terway.conflist{{else if eq (printf "%T" (index . "10-terway.conf")) "string"}}10-terway.conf{{end}}{{end}}{{"\n"}}'
  for k in $KEYS; do
    t="$t$k"'.data {{with .data}}{{$v := index . "'"$k"'"}}{{if eq (printf "%T" $v) "string"}}{{printf "%q" $v}}{{else}}-{{end}}{{else}}-{{end}}{{"\n"}}'
    t="$t$k"'.record {{with .metadata.annotations}}{{with index . "'"$RECORD$k"'"}}{{.}}{{end}}{{end}}{{"\n"}}'
    t="$t$k"'.previous {{with .metadata.annotations}}{{$v := index . "'"$PREVIOUS$k"'"}}{{if eq (printf "%T" $v) "string"}}{{printf "%q" $v}}{{else}}-{{end}}{{else}}-{{end}}{{"\n"}}'
  done
  # Last, after a line of its own: the CNI config's raw text inside a wrapping object, for cni_engine.
  t="$t"'cni.json{{"\n"}}{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cni"},"cni":{{with .data}}{{$l := index . "10-terway.conflist"}}{{if eq (printf "%T" $l) "string"}}{{$l}}{{else}}{{with index . "10-terway.conf"}}{{.}}{{end}}{{end}}{{end}}}'
  printf '%s' "$t"
}

# Sets CM to the facts (empty when the ConfigMap does not exist).
cm_read() { CM=$(kc get configmap "$CONFIGMAP" --ignore-not-found --output "go-template=$(cm_template)"); }
fact() { line_of "$1" "$CM"; }

# Every write of this hook: OPS as one JSON Patch led by a test of the resourceVersion it was planned from, so a
# write planned from a stale read is refused (kube-apiserver answers 422). Returns 1 then, kubectl's message in out.
guarded_patch() { # $1: kind, $2: name, $3: resourceVersion
  out=$(kc patch "$1" "$2" --type json --patch "[$(op_test /metadata/resourceVersion "$(quoted "$3")")$OPS]" 2>&1 >/dev/null)
}

# Applies OPS (if any) to eni-config. Returns 1 when another writer got there first (CM is then read again); any
# other failure ends the hook.
apply_ops() {
  [ -n "$OPS" ] || return 0
  rv=$(fact rv)
  guarded_patch configmap "$CONFIGMAP" "$rv" && return 0
  cm_read
  [ "$(fact rv)" != "$rv" ] || fail "could not patch ConfigMap $NAMESPACE/$CONFIGMAP: $(printf '%s\n' "$out" | sed -n 1p)"
  return 1
}

# Plans with $1 (a function that sets OPS from CM) and applies, planning again from a fresh read when the guard
# finds that someone else wrote eni-config in between (another hook Job of the same sync, or an add-on).
change_configmap() { # $1: planner, then its arguments
  attempt=1
  while :; do
    "$@"
    apply_ops && return 0
    [ "$attempt" -lt "$CONFLICT_ATTEMPTS" ] ||
      fail "ConfigMap $NAMESPACE/$CONFIGMAP changed under this hook $attempt times in a row (another writer keeps rewriting it), so this patch was not applied: run the hook again (helm upgrade, or sync again) once that writer has stopped."
    attempt=$((attempt + 1))
    log "ConfigMap $CONFIGMAP changed since it was read (another hook Job?): planning again from a fresh read (attempt $attempt)"
  done
}

# True when the records on eni-config were written by this release (or there are none).
records_ours() { [ -z "$(recorded_keys)" ] || [ "$(fact release)" = "$RELEASE" ]; }

recorded_keys() {
  for k in $KEYS; do
    if [ -n "$(fact "$k.record")" ] || [ "$(fact "$k.previous")" != - ]; then printf '%s ' "$k"; fi
  done
}

# ---------------------------------------------------------------------------------------------------------
# What each key should hold after this phase: set (the mode's value), restore (what was there before the chart
# changed it) or keep. Pre phases run before Helm applies the coming revision: they never point Felix at a Typha
# (it may not be ready yet), they move Felix off a Typha that is going away (mode switch, Service rename,
# rollback), and they may turn policy off (that needs no Typha), so relay -> disable costs one roll, not two.
action_for() { # $1: key, $2: phase
  if [ "$2" = pre-delete ]; then
    echo restore
  elif [ "$1" = "$OWNED_KEY" ]; then
    case "$2" in
      post-*) echo set ;;
      *) if [ "$1" = "$DISABLE_KEY" ] || [ "$(fact "$1.data")" = "$(quoted "$OWNED_VALUE")" ]; then echo set; else echo restore; fi ;;
    esac
  elif [ -n "$(fact "$1.record")" ]; then
    case "$2" in
      post-*) echo restore ;;
      # Policy comes back on in the post phase, in the same roll that points Felix at the relay.
      *) if [ "$1" = "$RELAY_KEY" ]; then echo restore; else echo keep; fi ;;
    esac
  else
    echo keep
  fi
}

# The value (%q-quoted, or - for absent) a key holds after its action.
target_for() { # $1: key, $2: action
  cur=$(fact "$1.data")
  case "$2" in
    set) quoted "$OWNED_VALUE" ;;
    keep) printf '%s\n' "$cur" ;;
    restore)
      case "$(fact "$1.record")" in
        value) fact "$1.previous" ;;
        absent | ours) echo - ;;
        *)
          # Never changed by this release; but once this release's Typha goes away (relay mode) the key must not
          # name its Service (a relay made by hand from the guide, or a record lost to uninstall --no-hooks).
          if [ "$MODE" = relay ] && [ "$1" = "$RELAY_KEY" ] && [ "$cur" = "$(quoted "$SERVICE_NAME")" ]; then echo -; else printf '%s\n' "$cur"; fi
          ;;
      esac
      ;;
  esac
}

# Plans this phase's change from CM: the JSON Patch in OPS (empty: nothing to change), DESIRED_STATE (the owned
# keys' values after this phase, canonical), CM_CHANGES (keys whose value changes), RESTORED (keys whose record
# is dropped once Terway has rolled).
plan_configmap() {
  OPS=""
  CM_CHANGES=0
  RESTORED=""
  annotations=$(fact annotations)
  data=$(fact data)
  DESIRED_STATE=""
  recorded=""
  for k in $KEYS; do
    action=$(action_for "$k" "$PHASE")
    cur=$(fact "$k.data")
    rec=$(fact "$k.record")
    target=$(target_for "$k" "$action")
    DESIRED_STATE="$DESIRED_STATE$k=$target;"
    if [ "$action" = set ] && [ -z "$rec" ]; then
      # Remember what was there, once, in the same patch that changes the key, stamped with this release.
      if [ "$annotations" = no ]; then
        op_add /metadata/annotations '{}'
        annotations=yes
      fi
      if [ "$cur" = - ]; then
        state=absent
      elif [ "$k" = "$RELAY_KEY" ] && [ "$cur" = "$(quoted "$SERVICE_NAME")" ]; then
        state=ours
      else
        state=value
        op_copy "$(data_path "$k")" "$(annotation_path "$PREVIOUS$k")"
      fi
      op_add "$(annotation_path "$RECORD$k")" "$(quoted "$state")"
      recorded=yes
      log "recorded the previous state of $k: $state"
    fi
    if [ "$action" = restore ] && [ -n "$rec" ]; then RESTORED="$RESTORED $k"; fi
    [ "$target" = "$cur" ] && continue
    CM_CHANGES=$((CM_CHANGES + 1))
    if [ "$target" = - ]; then
      op_remove "$(data_path "$k")"
      log "$k: $cur -> (absent)"
    else
      if [ "$data" = no ]; then
        op_add /data '{}'
        data=yes
      fi
      if [ "$action" = set ]; then
        op_add "$(data_path "$k")" "$target"
      else
        op_copy "$(annotation_path "$PREVIOUS$k")" "$(data_path "$k")"
      fi
      log "$k: $cur -> $target"
    fi
  done
  # The records carry this release's name: a record just written, or one from before the chart stamped them.
  if { [ -n "$recorded" ] || [ -n "$(recorded_keys)" ]; } && [ "$(fact release)" != "$RELEASE" ]; then
    [ "$annotations" = yes ] || op_add /metadata/annotations '{}'
    op_add "$(annotation_path "$RELEASE_STAMP")" "$(quoted "$RELEASE")"
  fi
}

# Plans dropping the records of the given keys (their values are back where the chart found them), and the
# release stamp with the last of them.
plan_drop() { # $@: keys
  OPS=""
  left=$(recorded_keys)
  for k in "$@"; do
    [ -n "$(fact "$k.record")" ] && op_remove "$(annotation_path "$RECORD$k")"
    [ "$(fact "$k.previous")" != - ] && op_remove "$(annotation_path "$PREVIOUS$k")"
    left=$(printf ' %s ' "$left" | sed "s/ $k / /")
  done
  if [ -z "$(printf '%s' "$left" | sed 's/ //g')" ] && [ -n "$(fact release)" ]; then op_remove "$(annotation_path "$RELEASE_STAMP")"; fi
  return 0
}

drop_records() { # $@: keys
  [ $# -gt 0 ] || return 0
  cm_read
  change_configmap plan_drop "$@"
}

# The state the owned keys would have after a given phase (no side effects): what the pods should run with.
targets_state() { # $1: phase
  input=""
  for k in $KEYS; do input="$input$k=$(target_for "$k" "$(action_for "$k" "$1")");"; done
  printf '%s\n' "$input"
}

# ---------------------------------------------------------------------------------------------------------
# Terway DaemonSets, all read by one kubectl call: resourceVersion, update strategy, state annotation, ready pods,
# the OS its pods are scheduled on, the policy (Felix) container's image and the eni-config keys it reads.
# kubectl prints a List when DAEMONSETS names several, the object itself when it names one; every line starts
# with the DaemonSet's name.

# shellcheck disable=SC2016 # $n, $k and $v are go-template variables, not shell ones
ds_template() {
  t='{{define "ds"}}{{$n := .metadata.name}}'
  t="$t"'{{$n}} strategy {{with .spec.updateStrategy}}{{with .type}}{{.}}{{end}}{{end}}{{"\n"}}'
  t="$t"'{{$n}} rv {{with .metadata.resourceVersion}}{{.}}{{end}}{{"\n"}}'
  t="$t"'{{$n}} state {{with .spec.template.metadata}}{{with .annotations}}{{with index . "'"$STATE_ANNOTATION"'"}}{{.}}{{end}}{{end}}{{end}}{{"\n"}}'
  # Whether the pod template has annotations (yes), only metadata (no), or neither (none): what a JSON Patch add
  # must create before it can add the state annotation.
  t="$t"'{{$n}} annotations {{with .spec.template.metadata}}{{if .annotations}}yes{{else}}no{{end}}{{else}}none{{end}}{{"\n"}}'
  t="$t"'{{$n}} ready {{with .status}}{{with .numberReady}}{{.}}{{end}}{{end}}{{"\n"}}'
  t="$t"'{{with .spec.template.spec}}'
  # The OS, from the nodeSelector or from required node affinity.
  t="$t"'{{with .nodeSelector}}{{range $k, $v := .}}{{if eq $k "kubernetes.io/os" "beta.kubernetes.io/os"}}{{$n}} os {{$v}}{{"\n"}}{{end}}{{end}}{{end}}'
  t="$t"'{{with .affinity}}{{with .nodeAffinity}}{{with .requiredDuringSchedulingIgnoredDuringExecution}}{{range .nodeSelectorTerms}}{{range .matchExpressions}}'
  t="$t"'{{if eq .key "kubernetes.io/os" "beta.kubernetes.io/os"}}{{if eq .operator "In"}}{{range .values}}{{$n}} os {{.}}{{"\n"}}{{end}}{{end}}{{end}}'
  t="$t"'{{end}}{{end}}{{end}}{{end}}{{end}}'
  # The policy container: its image and every ConfigMap key its env reads.
  t="$t"'{{range .containers}}{{if eq .name "policy"}}{{$n}} policy {{.image}}{{"\n"}}'
  t="$t"'{{range .env}}{{with .valueFrom}}{{with .configMapKeyRef}}{{$n}} reads {{.name}}/{{.key}}{{"\n"}}{{end}}{{end}}{{end}}'
  t="$t"'{{end}}{{end}}'
  t="$t"'{{end}}{{end}}'
  t="$t"'{{if eq .kind "List"}}{{range .items}}{{template "ds" .}}{{end}}{{else}}{{template "ds" .}}{{end}}'
  printf '%s' "$t"
}

ds_read_all() { # sets DS
  # shellcheck disable=SC2086 # one argument per DaemonSet name
  DS=$(kc get daemonset $DAEMONSETS --ignore-not-found --output "go-template=$(ds_template)")
}
ds_fact() { line_of "$1 $2" "$DS"; }
ds_has() { printf '%s\n' "$DS" | sed -n "\\|^$1 $2\$|{p;q;}"; } # $1: name, $2: a whole fact line
# Windows DaemonSets (terway-eniip-windows, terway-windows) schedule only on Windows nodes; their policy container
# does not read felix_relay_service (terway terway-windows-eniip.yml, v1.17.5) and they roll OnDelete.
ds_windows() { [ -n "$(ds_has "$1" "os windows")" ] && [ -z "$(ds_has "$1" "os linux")" ]; }

# The state a DaemonSet was last rolled for, without the counter of a forced roll ("N " before the first key).
rolled_for() { # $1: DaemonSet
  current=$(ds_fact "$1" state)
  printf '%s\n' "${current#[0-9]* }"
}

# True when every Terway DaemonSet was last rolled for what the coming revision's post phase wants: then no
# Felix points at anything that is going away, and a pre phase has nothing to do.
pods_match() { # $1: state
  for ds in $FOUND; do
    [ "$(rolled_for "$ds")" = "$1" ] || return 1
  done
  [ -n "$FOUND" ]
}

# ---------------------------------------------------------------------------------------------------------
# Which policy engine the CNI config selects. Terway runs Cilium instead of Felix when the "terway" plugin's
# network_policy_provider is "ebpf", or its eniip_virtual_type is ipvlan or datapathv2 in any case (terway
# cmd/terway-cli/cni.go mergeConfigList and storeRuntimeConfig, policy.go initPolicy, v1.17.5). The config is
# JSON text inside a ConfigMap value; go-templates cannot parse JSON text, so cm_read prints the value inside a
# wrapping object (a ConfigMap with one more field) and a local kubectl parses that whole document as JSON and
# reads it with a go-template: any whitespace, key order or escapes, and no tool beyond kubectl.

CNI_FIELDS='{{with .network_policy_provider}}provider {{printf "%q" .}}{{"\n"}}{{end}}{{with .eniip_virtual_type}}virtual {{printf "%q" .}}{{"\n"}}{{end}}'
CNI_TEMPLATE='{{with .cni}}{{if .plugins}}{{range .plugins}}{{if eq (printf "%v" .type) "terway"}}'"$CNI_FIELDS"'{{end}}{{end}}{{else}}'"$CNI_FIELDS"'{{end}}{{end}}'

# Sets ENGINE to what selects Cilium ("" for Felix); fails when the config is not JSON kubectl can read.
cni_engine() { # $1: the eni-config key Terway reads
  ENGINE=""
  if ! parsed=$(printf '%s\n' "$CM" | sed '1,/^cni\.json$/d' |
    "$KUBECTL" patch --filename - --local --type merge --patch '{}' --output "go-template=$CNI_TEMPLATE" 2>&1); then
    fail "eni-config $1 is not JSON that names Terway's plugin ($(printf '%s\n' "$parsed" | sed -n '1{s/[.]*$//;p;}')), so the policy engine Terway runs cannot be told; nothing was changed."
  fi
  provider=$(line_of provider "$parsed")
  virtual=$(line_of virtual "$parsed" | sed 'y/ABCDEFGHIJKLMNOPQRSTUVWXYZ/abcdefghijklmnopqrstuvwxyz/')
  if [ "$provider" = '"ebpf"' ]; then
    ENGINE="network_policy_provider $provider"
  elif [ "$virtual" = '"ipvlan"' ] || [ "$virtual" = '"datapathv2"' ]; then
    ENGINE=$(line_of virtual "$parsed")
    ENGINE="eniip_virtual_type ${ENGINE#\"}"
    ENGINE=${ENGINE%\"}
  fi
}

# ---------------------------------------------------------------------------------------------------------
# Which Felix each Terway release bundles: FELIX_VERSIONS, rendered from the chart's one table
# (templates/_terway.tpl), "FROM TO FELIX TYPHA" lines, FROM <= version < TO, TO "-" for open-ended.

# "A.B.C.D" from an image reference's tag, or nothing. ACK build tags look like v1.0.10.333-gfd2b7b8-aliyun: the
# Terway release, then the `git describe` commit count past it (D); a plain release tag such as v1.9.0 is D=0.
version_of() {
  printf '%s\n' "$1" | sed -n 's|@.*||; s|.*/||; /:/!d; s|^[^:]*:||
    s/^v\{0,1\}\([0-9]\{1,9\}\)\.\([0-9]\{1,9\}\)\.\([0-9]\{1,9\}\)\.\([0-9]\{1,9\}\)\([-+].*\)\{0,1\}$/\1.\2.\3.\4/p
    s/^v\{0,1\}\([0-9]\{1,9\}\)\.\([0-9]\{1,9\}\)\.\([0-9]\{1,9\}\)\([-+].*\)\{0,1\}$/\1.\2.\3.0/p'
}

version_less() { # $1 < $2, both "A.B.C.D"
  a=$1 b=$2
  while [ -n "$a" ]; do
    x=${a%%.*} y=${b%%.*}
    [ "$x" -lt "$y" ] && return 0
    [ "$x" -gt "$y" ] && return 1
    case $a in *.*) a=${a#*.} b=${b#*.} ;; *) a="" ;; esac
  done
  return 1
}

# "FELIX TYPHA" of the table row that places a version, or nothing.
felix_row() { # $1: "A.B.C.D"
  printf '%s\n' "$FELIX_VERSIONS" | while read -r from to felix typha; do
    [ -n "$typha" ] || continue
    version_less "$1" "$from" && continue
    if [ "$to" = - ] || version_less "$1" "$to"; then
      printf '%s %s\n' "$felix" "$typha"
      break
    fi
  done
}

minor_of() { printf '%s\n' "$1" | sed -n 's/^v\{0,1\}\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p'; }

# A version this hook cannot vouch for: refused, unless typha.allowVersionSkew accepts it.
skew() { # $1: the sentence, without its ending
  if [ "$ALLOW_VERSION_SKEW" = true ]; then
    warn "$1 (allowed by typha.allowVersionSkew)"
  else
    fail "$1: set typha.allowVersionSkew=true to accept that; nothing was changed."
  fi
}

# "true" when a disable_network_policy value (%q-quoted, - for absent) turns NetworkPolicy off. Terway compares
# the raw value: "false", "0" and empty (or absent) leave it on, anything else turns it off (terway
# cmd/terway-cli/common.go getAllConfig, v1.17.5; policy/policyinit.sh DISABLE_POLICY, v1.4.4).
policy_off() {
  case "$1" in
    - | '""' | '"false"' | '"0"') return 1 ;;
    *) return 0 ;;
  esac
}

# ---------------------------------------------------------------------------------------------------------
# Preflight: every refusal is one sentence, and nothing has been modified when it happens. pre-delete only
# checks what undoing needs: it must not block an uninstall over a check that guards an install.

preflight() {
  cm_read
  if [ -z "$CM" ]; then
    [ "$PHASE" = pre-delete ] && { log "ConfigMap $NAMESPACE/$CONFIGMAP does not exist: nothing to restore"; exit 0; }
    fail "ConfigMap $NAMESPACE/$CONFIGMAP does not exist: this cluster does not run Terway (or hook.configMapName is wrong), nothing was changed."
  fi
  FOUND=""
  ds_read_all
  for ds in $DAEMONSETS; do
    [ -n "$(ds_has "$ds" "strategy .*")" ] || continue # the first line of every DaemonSet read
    if ds_windows "$ds"; then
      log "daemonset/$ds runs on Windows nodes, whose policy container does not read $RELAY_KEY and which roll only when their pods are deleted: it is neither rolled nor counted"
      continue
    fi
    FOUND="$FOUND $ds"
  done
  if [ -z "$FOUND" ]; then
    [ "$PHASE" = pre-delete ] && { warn "no Terway DaemonSet ($DAEMONSETS) left in $NAMESPACE: eni-config is restored but no pod is restarted"; return 0; }
    if [ -n "$(kc get daemonset "$ENI_ONLY_DAEMONSET" --ignore-not-found --output name)" ]; then
      fail "only DaemonSet $ENI_ONLY_DAEMONSET (exclusive ENI) runs Terway here, and exclusive-ENI nodes run no Felix, so there is no Felix for this chart to configure; nothing was changed."
    fi
    fail "no Terway DaemonSet named $(echo "$DAEMONSETS" | sed 's/ / or /g') in $NAMESPACE (set hook.terwayDaemonSets to its name); nothing was changed."
  fi
  for ds in $FOUND; do
    image=$(ds_fact "$ds" policy)
    [ -n "$image" ] || fail "DaemonSet $ds has no policy container, so it runs no Felix (exclusive ENI or a policy-less Terway): this chart has nothing to configure; nothing was changed."
  done
  if [ "$PHASE" != pre-delete ]; then
    if [ "$MODE" = relay ]; then
      # Policy already off: Felix never starts (terway cmd/terway-cli/policy.go initPolicy, v1.17.5), so a relay
      # would change nothing. What counts is the value after this revision's post phase: a value this release
      # set itself (disable mode before) is restored then.
      # Records another release left are forgotten at pre-install: then the value itself counts.
      if [ "$PHASE" = pre-install ] && ! records_ours; then
        after=$(fact "$DISABLE_KEY.data")
      else
        after=$(target_for "$DISABLE_KEY" "$(action_for "$DISABLE_KEY" post-upgrade)")
      fi
      if policy_off "$after"; then
        fail "eni-config has $DISABLE_KEY=$(fact "$DISABLE_KEY.data"), so Terway runs no Felix and a relay would change nothing: set it to \"false\" first (or use mode disable-network-policy); nothing was changed."
      fi
      cni=$(fact cni)
      if [ -n "$cni" ]; then
        cni_engine "$cni"
        [ -z "$ENGINE" ] || fail "eni-config $cni selects $ENGINE, so Terway runs Cilium (eBPF) instead of Felix and Typha would do nothing; nothing was changed."
      fi
    fi
    for ds in $FOUND; do
      [ -n "$(ds_has "$ds" "reads $CONFIGMAP/$OWNED_KEY")" ] ||
        fail "DaemonSet $ds ($(ds_fact "$ds" policy)) does not read $OWNED_KEY from $CONFIGMAP in its policy container: upgrade Terway first (the guide's step 2); nothing was changed."
    done
  fi
  rolling=""
  for ds in $FOUND; do
    strategy=$(ds_fact "$ds" strategy)
    case "$strategy" in
      RollingUpdate | '') rolling="$rolling $ds" ;; # the API server defaults it to RollingUpdate
      *)
        # An uninstall with nothing of this release on these pods (an install refused or never finished) has
        # nothing to roll: it leaves the DaemonSet alone instead of blocking.
        if [ "$PHASE" = pre-delete ] && [ -z "$(recorded_keys)" ] && [ -z "$(ds_fact "$ds" state)" ] &&
          { [ "$MODE" != relay ] || [ "$(fact "$RELAY_KEY.data")" != "$(quoted "$SERVICE_NAME")" ]; }; then
          log "daemonset/$ds uses updateStrategy $strategy and has nothing of this release to undo: left alone"
          continue
        fi
        fail "DaemonSet $ds uses updateStrategy $strategy: Terway could not be restarted as a watched rolling update, so set it to RollingUpdate; nothing was changed."
        ;;
    esac
  done
  FOUND=$rolling
  if [ "$MODE" = relay ] && [ "$PHASE" != pre-delete ]; then check_versions; fi
}

check_versions() {
  typha_minor=$(minor_of "$TYPHA_VERSION")
  for ds in $FOUND; do
    image=$(ds_fact "$ds" policy)
    v=$(version_of "$image")
    row=""
    [ -z "$v" ] || row=$(felix_row "$v")
    if [ -z "$row" ]; then
      if [ -z "$v" ]; then what="a tag that is not a Terway version"; else what="Terway $v, which no row of the Felix version table places"; fi
      skew "Terway image $image has $what, so nothing proves that Typha $TYPHA_VERSION matches its Felix (README, Choosing the Typha version)"
      continue
    fi
    felix=${row% *}
    if [ -z "$typha_minor" ]; then
      skew "Typha tag $TYPHA_VERSION is not a version, so nothing proves it matches Felix $felix (Terway $image)"
    elif [ "$typha_minor" != "$(minor_of "$felix")" ]; then
      if [ "$ALLOW_VERSION_SKEW" = true ]; then
        warn "Typha $TYPHA_VERSION does not match Felix $felix of Terway $image (allowed by typha.allowVersionSkew)"
      else
        fail "Typha $TYPHA_VERSION does not match Felix $felix bundled with Terway $image: set typha.image.tag=${row#* } (or typha.allowVersionSkew=true to accept the skew); nothing was changed."
      fi
    else
      log "Typha $TYPHA_VERSION matches Felix $felix of Terway $image"
    fi
  done
}

# ---------------------------------------------------------------------------------------------------------
# Typha must be ready before Felix is pointed at it: ready replicas (a Deployment is Available with fewer) and
# ready addresses behind the Service Felix resolves. Waits are counted in poll intervals, in tenths of a second
# (the image has no date to read a clock from), so a wait also lasts the kubectl calls between its sleeps.

typha_endpoints() {
  kc get endpoints "$SERVICE_NAME" --ignore-not-found --output 'go-template={{range .subsets}}{{range .addresses}}{{.ip}}{{"\n"}}{{end}}{{end}}'
}

WAITED=false
wait_for_typha() {
  waited=0
  while :; do
    ready=$(kc get deployment "$TYPHA_DEPLOYMENT" --ignore-not-found --output 'go-template={{with .status}}{{with .readyReplicas}}{{.}}{{end}}{{end}}')
    ready=${ready:-0}
    TYPHA_IPS=$(typha_endpoints)
    endpoints=0
    for _ in $TYPHA_IPS; do endpoints=$((endpoints + 1)); done
    if [ "$ready" -ge "$TYPHA_MIN_READY" ] && [ "$endpoints" -ge "$TYPHA_MIN_READY" ]; then
      log "Typha is ready: $ready ready replicas, $endpoints ready endpoints behind Service $SERVICE_NAME (need $TYPHA_MIN_READY)"
      return 0
    fi
    if [ "$waited" -ge $((TYPHA_READY_TIMEOUT * 10)) ]; then
      fail "Typha was not ready within ${TYPHA_READY_TIMEOUT}s ($ready ready replicas of deployment/$TYPHA_DEPLOYMENT, $endpoints ready endpoints behind Service $SERVICE_NAME, need $TYPHA_MIN_READY): eni-config was not changed, Felix still works as before."
    fi
    log "waiting for Typha: $ready ready replicas, $endpoints ready endpoints (need $TYPHA_MIN_READY)"
    WAITED=true
    sleep "$POLL_SECONDS"
    waited=$((waited + POLL_TENTHS))
  done
}

# ---------------------------------------------------------------------------------------------------------
# Restart: decided per DaemonSet from the state on its pod template, not from whether this run's patch changed
# anything, so a retried Job still restarts and a no-op upgrade restarts nothing. A key that changed under an
# unchanged state (eni-config rewritten by someone else) forces a roll with a counter before the state, unless
# another hook Job rolled the DaemonSet since this one read it (that roll already carries the change).

# The state annotation to write on a DaemonSet's pod template, or nothing when its pods need no restart.
roll_value() { # $1: DaemonSet
  current=$(ds_fact "$1" state)
  if [ -z "$current" ] && [ "$CM_CHANGES" -eq 0 ] && [ "${PHASE#pre-}" != "$PHASE" ]; then
    # Never rolled by this chart and nothing changed now (an install that failed before its first change):
    # the pods still run with the eni-config they started with, so undoing needs no restart.
    :
  elif [ "$(rolled_for "$1")" != "$DESIRED_STATE" ]; then
    printf '%s\n' "$DESIRED_STATE"
  elif [ "$CM_CHANGES" -gt 0 ] && [ "$current" = "$(line_of "$1 state" "$DS_BEFORE")" ]; then
    n=0
    [ "$current" = "$DESIRED_STATE" ] || n=${current%% *}
    printf '%s\n' "$((n + 1)) $DESIRED_STATE"
  fi
  return 0
}

# Rolls one DaemonSet: a JSON Patch that adds its pod template's state annotation, led by a test of the
# resourceVersion it was decided from, so of two hook Jobs deciding from the same read only one rolls.
roll_one() { # $1: DaemonSet
  attempt=1
  while :; do
    current=$(ds_fact "$1" state)
    value=$(roll_value "$1")
    if [ -z "$value" ]; then
      log "daemonset/$1 already runs with this eni-config ($STATE_ANNOTATION=$current): no restart"
      return 0
    fi
    rv=$(ds_fact "$1" rv)
    OPS=""
    case $(ds_fact "$1" annotations) in
      none) op_add /spec/template/metadata '{"annotations":{}}' ;;
      no) op_add /spec/template/metadata/annotations '{}' ;;
    esac
    op_add "/spec/template/metadata/annotations/$(pointer "$STATE_ANNOTATION")" "$(json_string "$value")"
    if guarded_patch daemonset "$1" "$rv"; then
      log "rolling restart of daemonset/$1 (its own maxUnavailable): $STATE_ANNOTATION ${current:-(none)} -> $value"
      RESTARTS=$((RESTARTS + 1))
      return 0
    fi
    ds_read_all
    [ "$(ds_fact "$1" rv)" != "$rv" ] || fail "could not patch daemonset/$1: $(printf '%s\n' "$out" | sed -n 1p)"
    [ "$attempt" -lt "$CONFLICT_ATTEMPTS" ] ||
      fail "daemonset/$1 changed under this hook $attempt times in a row, so it was not restarted: retry (helm upgrade, or sync again) once it settles."
    attempt=$((attempt + 1))
    log "daemonset/$1 changed since it was read (its controller, or another hook Job): deciding again from a fresh read (attempt $attempt)"
  done
}

roll_terway() {
  ds_read_all # fresh: another hook Job may have rolled since preflight read them
  for ds in $FOUND; do roll_one "$ds"; done
  for ds in $FOUND; do
    kc rollout status "daemonset/$ds" --timeout "${ROLLOUT_TIMEOUT}s" ||
      fail "daemonset/$ds did not finish rolling out within ${ROLLOUT_TIMEOUT}s: see kubectl -n $NAMESPACE rollout status daemonset/$ds, then retry (helm upgrade) or undo by hand (README)."
  done
}

# ---------------------------------------------------------------------------------------------------------
# Proof: a ready policy container only means its port 9099 answers; Typha's own metrics count the Felix
# connections. The metrics port is read straight from each ready Typha (hostNetwork: the node's address),
# with kubectl as the HTTP client and an empty kubeconfig (/dev/null), so no credential is sent there.

typha_connections() { # sums typha_connections_active over the ready Typhas found by wait_for_typha
  total=""
  for ip in $TYPHA_IPS; do
    case "$ip" in *:*) host="[$ip]" ;; *) host=$ip ;; esac
    if out=$("$KUBECTL" --kubeconfig /dev/null --server "http://$host:$METRICS_PORT" --request-timeout 10s get --raw /metrics 2>&1); then
      n=0
      for v in $(printf '%s\n' "$out" | sed -n 's/^typha_connections_active\({[^}]*}\)\{0,1\} \([0-9][0-9.]*\).*/\2/p'); do
        n=$((n + ${v%%.*}))
      done
      total=$((${total:-0} + n))
    else
      warn "could not read Typha metrics at $host:$METRICS_PORT: $(printf '%s\n' "$out" | sed -n 1p)"
    fi
  done
  printf '%s\n' "$total"
}

verify_felix() {
  if [ "$VERIFY_CONNECTIONS" != true ]; then
    log "not checking Felix connections (hook.verifyFelixConnections=false)"
    return 0
  fi
  # Ready Linux Terway pods, as read before the roll (a finished roll has at least as many): an upper bound, since
  # pods on exclusive-ENI nodes run no Felix (terway cmd/terway-cli/policy.go runExclusiveENI, v1.17.5) and the
  # hook's Role cannot read nodes to count those. Such nodes carry k8s.aliyun.com/exclusive-mode-eni-type=eniOnly
  # (terway types/k8s.go ExclusiveENIModeLabel, v1.17.5).
  expected=0
  for ds in $FOUND; do
    r=$(ds_fact "$ds" ready)
    expected=$((expected + ${r:-0}))
  done
  waited=0
  while :; do
    connected=$(typha_connections)
    if [ -n "$connected" ] && [ "$connected" -ge "$expected" ]; then
      log "Felix connected to Typha: $connected connections for $expected ready Terway pods"
      return 0
    fi
    if [ "$waited" -ge $((CONNECT_TIMEOUT * 10)) ]; then
      if [ -z "$connected" ]; then
        fail "could not read any Typha's metrics on port $METRICS_PORT within ${CONNECT_TIMEOUT}s, so nothing proves Felix reached Typha: check that the port is reachable from pods (security group), or set hook.verifyFelixConnections=false."
      elif [ "$connected" -eq 0 ]; then
        fail "NO Felix connected to Typha within ${CONNECT_TIMEOUT}s (0 connections for $expected ready Terway pods): check the policy container logs (kubectl -n $NAMESPACE logs ds/${FOUND# } -c policy) and Typha's."
      fi
      warn "only $connected Typha connections for $expected ready Terway pods after ${CONNECT_TIMEOUT}s: pods on exclusive-ENI nodes (label k8s.aliyun.com/exclusive-mode-eni-type=eniOnly) run no Felix and never connect; any other missing one is a Felix that has not connected yet"
      return 0
    fi
    log "Felix connections so far: ${connected:-unknown} of at most $expected"
    sleep "$POLL_SECONDS"
    waited=$((waited + POLL_TENTHS))
  done
}

# ---------------------------------------------------------------------------------------------------------
# The phases. Each reads everything afresh (preflight), so a retried or doubled Job converges.

# pre-install: the release does not exist for Helm yet, so records another release wrote are stale (it was
# uninstalled with --no-hooks): forget them; post-install records the present state. Records this release
# wrote stay: Argo CD runs pre-install on every sync.
pre_install() {
  if ! records_ours; then
    warn "forgetting records another release ($(fact release)) left on $CONFIGMAP (uninstalled with --no-hooks?) for: $(recorded_keys)"
    change_configmap plan_forget
  fi
  log "preflight passed"
}

plan_forget() {
  OPS=""
  # shellcheck disable=SC2046 # one argument per key
  if ! records_ours; then plan_drop $(recorded_keys); fi
}

# Brings eni-config and the Terway pods to what this phase wants.
switch() {
  change_configmap plan_configmap
  if [ -n "$FOUND" ]; then roll_terway; fi
}

# pre-upgrade, pre-rollback: only when the pods do not already run with what the coming revision wants.
pre_switch() {
  if pods_match "$(targets_state post-upgrade)"; then
    log "Terway already runs with what the coming revision wants: nothing to do before Helm applies it"
    return 0
  fi
  switch
  # shellcheck disable=SC2086 # word splitting of the key list is intended
  drop_records $RESTORED
}

# post-install, post-upgrade, post-rollback: Typha first (relay mode), then the switch, then the proof.
post_switch() {
  if [ "$MODE" = relay ]; then
    wait_for_typha
    if [ "$WAITED" = true ]; then cm_read; fi # read again after waiting
  fi
  switch
  if [ "$MODE" = relay ] && [ -n "$FOUND" ]; then verify_felix; fi
  # shellcheck disable=SC2086
  drop_records $RESTORED
}

# pre-delete: restore, always.
restore() {
  switch
  # shellcheck disable=SC2086
  drop_records $RESTORED
}

main() {
  check_tools
  check_inputs
  RESTARTS=0
  CM_CHANGES=0
  log "mode $MODE, eni-config key $OWNED_KEY=$OWNED_VALUE, Terway DaemonSets: $DAEMONSETS"
  preflight
  DS_BEFORE=$DS
  case "$PHASE" in
    pre-install) pre_install ;;
    pre-upgrade | pre-rollback) pre_switch ;;
    post-install | post-upgrade | post-rollback) post_switch ;;
    pre-delete) restore ;;
  esac
  log "done: $CM_CHANGES eni-config key(s) changed, $RESTARTS DaemonSet(s) restarted"
}

main
