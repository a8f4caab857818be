#!/bin/sh
# terway-relay hook: brings Terway's eni-config (kube-system) to the state a chart revision wants, rolls the
# Terway DaemonSet when that state changed, and undoes it on the way out. Run by the hook Jobs
# (templates/hook-jobs.yaml); every input comes from their environment, rendered by templates/_hook.tpl.
#
# The rule: Felix never points at a Typha that is not running and ready. What each phase does is the table in
# run_for, below; the rest of this file carries it out.
#
# Any order, any overlap: Argo CD runs pre-install with pre-upgrade, and post-install with post-upgrade, at once
# on every sync (argoproj/argo-cd v3.4.7 docs/user-guide/helm.md, "'install' vs 'upgrade' vs 'sync'"). So the
# record of a key's previous state is written once, stamped with the release, and only the restore that
# consumes it removes it; every write is guarded by the resourceVersion it was planned from, and a Job that loses
# the race reads again and re-plans (at most CONFLICT_ATTEMPTS times).
#
# POSIX sh plus kubectl, sed and sleep, nothing else (checked first, below): the acs/kubectl image is documented
# only as having sh, sed and cat. No temporary files: facts live in shell variables. kubectl does the parsing:
# the go-templates beside this script (hook-*.gotmpl, from the same ConfigMap) print one fact a line, and JSON
# text inside a ConfigMap value is parsed by kubectl --local (see cni_engine); JSON Patch copy/remove moves values
# without the shell ever quoting an arbitrary value.
set -eu

# Required inputs, all rendered by the chart (templates/_hook.tpl, terway-relay.hookEnv): no defaults here, so
# nothing can drift from the chart's values.
: "${PHASE:?}" "${MODE:?}" "${RELEASE:?}" "${NAMESPACE:?}" "${CONFIGMAP:?}" "${DAEMONSETS:?}"
: "${RELAY_KEY:?}" "${DISABLE_KEY:?}" "${OWNED_KEY:?}" "${OWNED_VALUE:?}" "${SERVICE_NAME:?}" "${TYPHA_DEPLOYMENT:?}"
: "${ALLOW_VERSION_SKEW:?}" "${FELIX_VERSIONS:?}" "${TYPHA_READY_TIMEOUT:?}" "${ROLLOUT_TIMEOUT:?}"
: "${VERIFY_CONNECTIONS:?}" "${CONNECT_TIMEOUT:?}" "${METRICS_PORT:?}" "${POLL_SECONDS:?}"
if [ "$MODE" = relay ]; then : "${TYPHA_MIN_READY:?}" "${TYPHA_VERSION:?}"; fi
KUBECTL=${KUBECTL:-kubectl} # the image's kubectl; the test suite points it at its own binary
# The go-templates: files of the script's ConfigMap, mounted beside it (templates/hook-script.yaml).
case "$0" in */*) TEMPLATES=${0%/*} ;; *) TEMPLATES=. ;; esac

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
# Only exclusive-ENI Terway: named in a refusal, never modified. Exclusive-ENI nodes run no Felix (AliyunContainerService/terway
# cmd/terway-cli/policy.go, initPolicy -> runExclusiveENI, v1.17.5).
ENI_ONLY_DAEMONSET=terway-eni
# How many looks in a row Typha's pods may show a failure that could still mend (an image pull, a missing config,
# no node for a pod) before the hook stops: about a minute at the chart's 5 s poll, with the kubectl calls between.
TYPHA_STUCK_LOOKS=6
# Restarts after which a crash-looping Typha is taken to be broken, not starting.
TYPHA_CRASH_RESTARTS=3
# How many times a write that lost a race (its resourceVersion guard failed) is planned again from a fresh read.
CONFLICT_ATTEMPTS=10
NL='
'

# ---------------------------------------------------------------------------------------------------------
# The table: what a run does, per phase and mode, as the functions it calls in order. Checks come first and
# change nothing (every refusal is one sentence, and nothing has been modified when it happens); a function that
# finds nothing left to do says why in FINISHED, and the run ends there. pre-delete only checks what undoing needs: it must not block an
# uninstall over a check that guards an install.
#   pre-install: checks only, and forget records another release left behind (uninstalled with --no-hooks).
#   pre-upgrade, pre-rollback: when the coming revision no longer has this Typha (mode switch, Service rename,
#     rollback), point Felix away and finish the roll before Helm deletes Typha.
#   post-install, post-upgrade, post-rollback: wait for Typha (relay mode), then set the owned key, roll, and
#     prove Felix connected.
#   pre-delete: restore, roll and wait, always.
run_for() { # $1: phase, $2: mode
  undo_checks="read_eni_config find_terway check_policy_containers check_update_strategy"
  install_checks="read_eni_config find_terway check_policy_containers check_reads_owned_key check_update_strategy"
  relay_checks="read_eni_config find_terway check_policy_containers check_policy_on check_policy_engine check_reads_owned_key check_update_strategy check_versions"
  case "$1 $2" in
    "pre-install relay") echo "$relay_checks forget_other_records" ;;
    "pre-install "*) echo "$install_checks forget_other_records" ;;
    "pre-upgrade relay" | "pre-rollback relay") echo "$relay_checks leave_what_goes_away drop_restored_records" ;;
    "pre-upgrade "* | "pre-rollback "*) echo "$install_checks leave_what_goes_away drop_restored_records" ;;
    "post-install relay" | "post-upgrade relay" | "post-rollback relay") echo "$relay_checks wait_for_typha switch verify_felix drop_restored_records" ;;
    "post-install "* | "post-upgrade "* | "post-rollback "*) echo "$install_checks switch drop_restored_records" ;;
    "pre-delete "*) echo "$undo_checks switch drop_restored_records" ;;
  esac
}

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
  [ -n "$(run_for "$PHASE" "$MODE")" ] || fail "unknown PHASE $PHASE; nothing was changed."
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

# The rest of the first line of $2 that starts with "$1 ". The key is compared as text, never as a pattern.
line_of() { # $1: key, $2: lines
  case "$NL$2" in *"$NL$1 "*) ;; *) return 0 ;; esac # safety: keys compared as text
  rest=${NL}$2
  rest=${rest#*"$NL$1 "}
  printf '%s\n' "${rest%%"$NL"*}"
}
has_line() { case "$NL$2$NL" in *"$NL$1$NL"*) return 0 ;; *) return 1 ;; esac } # $1: a whole line, $2: lines
quoted() { printf '"%s"' "$1"; } # only for literals this chart owns: a Service name (DNS label), "true", a release
# A %q-quoted value this chart wrote (escapes only \" and \\) as it was written: the quotes around it dropped, and
# each backslash-escaped character taken as itself. Parameter expansion, not sed: the hook calls it for every record
# it reads, and a sed process each time was about half of all the sed processes it started.
unquoted() {
  uq_rest=${1#\"}
  uq_rest=${uq_rest%\"}
  uq_out=""
  while :; do
    case $uq_rest in
      *\\?*)
        uq_out=$uq_out${uq_rest%%\\*}
        uq_rest=${uq_rest#*\\}
        uq_out=$uq_out${uq_rest%"${uq_rest#?}"}
        uq_rest=${uq_rest#?}
        ;;
      *) break ;;
    esac
  done
  printf '%s\n' "$uq_out$uq_rest"
}
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; } # one line of text as a JSON string
# JSON Pointer escaping (RFC 6901): ~ becomes ~0, / becomes ~1. Parameter expansion, not sed, as in unquoted.
pointer() {
  pt_rest=$1
  pt_out=""
  while :; do
    case $pt_rest in
      *[~/]*)
        pt_out=$pt_out${pt_rest%%[~/]*}
        pt_rest=${pt_rest#"${pt_rest%%[~/]*}"}
        case $pt_rest in
          "~"*) pt_out="$pt_out~0" ;;
          *) pt_out="$pt_out~1" ;;
        esac
        pt_rest=${pt_rest#?}
        ;;
      *) break ;;
    esac
  done
  printf '%s' "$pt_out$pt_rest"
}

# ---------------------------------------------------------------------------------------------------------
# JSON Patch (RFC 6902): one helper per operation, each printing an "op" line of a plan. Values are JSON text the
# chart owns (quoted literals, {}, the state annotation via json_string); an arbitrary eni-config value is only
# ever moved by copy.
op_add() { printf 'op {"op":"add","path":"%s","value":%s}\n' "$1" "$2"; }
op_copy() { printf 'op {"op":"copy","from":"%s","path":"%s"}\n' "$1" "$2"; }
op_remove() { printf 'op {"op":"remove","path":"%s"}\n' "$1"; }
data_path() { printf '/data/%s' "$(pointer "$1")"; }
annotation_path() { printf '/metadata/annotations/%s' "$(pointer "$1")"; }

# Every write of this hook: the plan's ops as one JSON Patch led by a test of the resourceVersion it was planned
# from, so a write planned from a stale read is refused (kube-apiserver answers 422: a failed test op is
# StatusUnprocessableEntity, kubernetes/apiserver v0.33.0 pkg/endpoints/handlers/patch.go). Prints the patched object's
# facts (through $4, a go-template file), or kubectl's message and returns 1.
guarded_patch() { # $1: kind, $2: name, $3: resourceVersion, $4: template, $5: plan
  kc patch "$1" "$2" --type json --output "go-template-file=$TEMPLATES/$4" 2>&1 \
    --patch "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":$(quoted "$3")}$(printf '%s\n' "$5" | sed -n 's/^op /,/p')]" # safety: guarded write
}

# ---------------------------------------------------------------------------------------------------------
# eni-config, read by hook-eni-config.gotmpl into CM: every fact of this run comes from CM, which each read and
# each write of eni-config replaces.

eni_config() { kc get configmap "$CONFIGMAP" --ignore-not-found --output "go-template-file=$TEMPLATES/hook-eni-config.gotmpl"; }
fact() { line_of "$1" "${CM%%"${NL}cni.json$NL"*}"; } # never from the CNI config's raw text, which follows
value_of() { v=$(fact "value $1") && printf '%s\n' "${v:--}"; }         # %q-quoted, or - for absent
record_of() { unquoted "$(fact "annotation $RECORD$1")"; }              # absent | value | ours, or nothing
previous_of() { v=$(fact "annotation $PREVIOUS$1") && printf '%s\n' "${v:--}"; }
release_stamp() { unquoted "$(fact "annotation $RELEASE_STAMP")"; }

# True when the records on eni-config were written by this release (or there are none).
records_ours() { [ -z "$(recorded_keys)" ] || [ "$(release_stamp)" = "$RELEASE" ]; } # safety: own records

recorded_keys() {
  for k in $KEYS; do
    if [ -n "$(record_of "$k")" ] || [ "$(previous_of "$k")" != - ]; then printf '%s ' "$k"; fi
  done
}

# Plans with $1 (a function that prints a plan from CM: "op", "log", "state", "changes" and "restored" lines)
# and applies its ops, planning again from a fresh read when the guard finds that someone else wrote eni-config
# in between (another hook Job of the same sync, or an add-on). CM becomes what the write returned; the plan
# applied is held in ENI_CONFIG_CHANGE, and its log lines are printed.
change_eni_config() { # $1: planner, then its arguments
  change_attempt=1
  while :; do
    planned=$("$@")
    case "$NL$planned" in *"${NL}op "*) ;; *) break ;; esac
    planned_rv=$(fact rv)
    if patched=$(guarded_patch configmap "$CONFIGMAP" "$planned_rv" hook-eni-config.gotmpl "$planned"); then
      CM=$patched
      break
    fi
    CM=$(eni_config) # safety: re-plan after a lost race
    [ "$(fact rv)" != "$planned_rv" ] || fail "could not patch ConfigMap $NAMESPACE/$CONFIGMAP: $(printf '%s\n' "$patched" | sed -n 1p)"
    [ "$change_attempt" -lt "$CONFLICT_ATTEMPTS" ] ||
      fail "ConfigMap $NAMESPACE/$CONFIGMAP changed under this hook $change_attempt times in a row (another writer keeps rewriting it), so this patch was not applied: run the hook again (helm upgrade, or sync again) once that writer has stopped."
    change_attempt=$((change_attempt + 1))
    log "ConfigMap $CONFIGMAP changed since it was read (another hook Job?): planning again from a fresh read (attempt $change_attempt)"
  done
  ENI_CONFIG_CHANGE=$planned
  printf '%s\n' "$planned" | sed -n "s|^log |terway-relay $PHASE: |p"
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
      *) if [ "$1" = "$DISABLE_KEY" ] || [ "$(value_of "$1")" = "$(quoted "$OWNED_VALUE")" ]; then echo set; else echo restore; fi ;;
    esac
  elif [ -n "$(record_of "$1")" ]; then
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
  value=$(value_of "$1")
  case "$2" in
    set) quoted "$OWNED_VALUE" ;;
    keep) printf '%s\n' "$value" ;;
    restore)
      case "$(record_of "$1")" in
        value) previous_of "$1" ;;
        absent | ours) echo - ;;
        *)
          # Never changed by this release; but once this release's Typha goes away (relay mode) the key must not
          # name its Service (a relay made by hand from the guide, or a record lost to uninstall --no-hooks).
          if [ "$MODE" = relay ] && [ "$1" = "$RELAY_KEY" ] && [ "$value" = "$(quoted "$SERVICE_NAME")" ]; then echo -; else printf '%s\n' "$value"; fi
          ;;
      esac
      ;;
  esac
}

# The state the owned keys would have after a given phase: what the pods should run with.
targets_state() { # $1: phase
  for k in $KEYS; do printf '%s' "$k=$(target_for "$k" "$(action_for "$k" "$1")");"; done
  echo
}

# Plans this phase's change from CM. Prints the plan: "op" lines (the JSON Patch; none: nothing to change),
# "log" lines, "state" (the owned keys' values after this phase, canonical), "changes" (how many keys change
# value) and "restored" (keys whose record is dropped once Terway has rolled).
plan_eni_config() {
  has_annotations=$(fact has_annotations)
  has_data=$(fact has_data)
  changes=0
  restored=""
  recorded=""
  for k in $KEYS; do
    action=$(action_for "$k" "$PHASE")
    value=$(value_of "$k")
    record=$(record_of "$k")
    target=$(target_for "$k" "$action")
    if [ "$action" = set ] && [ -z "$record" ]; then
      # Remember what was there, once, in the same patch that changes the key, stamped with this release.
      if [ "$has_annotations" = no ]; then
        op_add /metadata/annotations '{}'
        has_annotations=yes
      fi
      if [ "$value" = - ]; then
        record=absent
      elif [ "$k" = "$RELAY_KEY" ] && [ "$value" = "$(quoted "$SERVICE_NAME")" ]; then
        record=ours
      else
        record=value
        op_copy "$(data_path "$k")" "$(annotation_path "$PREVIOUS$k")"
      fi
      op_add "$(annotation_path "$RECORD$k")" "$(quoted "$record")"
      recorded=yes
      echo "log recorded the previous state of $k: $record"
    elif [ "$action" = restore ] && [ -n "$record" ]; then
      restored="$restored $k"
    fi
    [ "$target" = "$value" ] && continue
    changes=$((changes + 1))
    if [ "$target" = - ]; then
      op_remove "$(data_path "$k")"
      echo "log $k: $value -> (absent)"
    else
      if [ "$has_data" = no ]; then
        op_add /data '{}'
        has_data=yes
      fi
      if [ "$action" = set ]; then
        op_add "$(data_path "$k")" "$target"
      else
        op_copy "$(annotation_path "$PREVIOUS$k")" "$(data_path "$k")"
      fi
      echo "log $k: $value -> $target"
    fi
  done
  # The records carry this release's name: a record just written, or one from before the chart stamped them.
  if { [ -n "$recorded" ] || [ -n "$(recorded_keys)" ]; } && [ "$(release_stamp)" != "$RELEASE" ]; then
    [ "$has_annotations" = yes ] || op_add /metadata/annotations '{}'
    op_add "$(annotation_path "$RELEASE_STAMP")" "$(quoted "$RELEASE")"
  fi
  echo "state $(targets_state "$PHASE")"
  echo "changes $changes"
  echo "restored$restored"
}

# Plans dropping the records of the given keys (their values are back where the chart found them), and the
# release stamp with the last of them.
plan_drop() { # $@: keys
  left=$(recorded_keys)
  for k in "$@"; do
    [ -z "$(record_of "$k")" ] || op_remove "$(annotation_path "$RECORD$k")"
    [ "$(previous_of "$k")" = - ] || op_remove "$(annotation_path "$PREVIOUS$k")"
    left=$(printf ' %s ' "$left" | sed "s/ $k / /")
  done
  if [ -z "$(printf '%s' "$left" | sed 's/ //g')" ] && [ -n "$(release_stamp)" ]; then op_remove "$(annotation_path "$RELEASE_STAMP")"; fi
  return 0
}

# Plans forgetting the records another release left (none when they are this release's).
plan_forget() {
  # shellcheck disable=SC2046 # one argument per key
  if ! records_ours; then plan_drop $(recorded_keys); fi
}

# ---------------------------------------------------------------------------------------------------------
# Terway DaemonSets, all read by one kubectl call (hook-daemonsets.gotmpl) into DS; every line starts with the
# DaemonSet's name. FOUND: the Linux ones this run rolls and counts, set by the checks.

terway_daemonsets() {
  # shellcheck disable=SC2086 # one argument per DaemonSet name
  kc get daemonset $DAEMONSETS --ignore-not-found --output "go-template-file=$TEMPLATES/hook-daemonsets.gotmpl"
}
ds_fact() { line_of "$1 $2" "$DS"; }
ds_has() { has_line "$1 $2" "$DS"; } # $1: name, $2: the rest of a whole fact line
# The state annotation on a DaemonSet's pod template (in DS, or in $2), as this chart wrote it.
state_of() { unquoted "$(line_of "$1 annotation $STATE_ANNOTATION" "${2-$DS}")"; }
# Windows DaemonSets (terway-eniip-windows, terway-windows) schedule only on Windows nodes; their policy container
# does not read felix_relay_service (terway terway-windows-eniip.yml, v1.17.5) and they roll OnDelete.
ds_windows() { ds_has "$1" "os windows" && ! ds_has "$1" "os linux"; }

# The state a DaemonSet was last rolled for, without the counter of a forced roll ("N " before the first key).
rolled_for() { # $1: DaemonSet
  state=$(state_of "$1")
  printf '%s\n' "${state#[0-9]* }"
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
# network_policy_provider is "ebpf", or its eniip_virtual_type is ipvlan or datapathv2 in any case (AliyunContainerService/terway
# cmd/terway-cli/cni.go mergeConfigList and storeRuntimeConfig, policy.go initPolicy, v1.17.5). The config is
# JSON text inside a ConfigMap value; go-templates cannot parse JSON text, so hook-eni-config.gotmpl prints the
# value inside a wrapping object (a ConfigMap with one more field) and a local kubectl parses that whole document
# as JSON and reads it with hook-cni.gotmpl: any whitespace, key order or escapes, and no tool beyond kubectl.

# Prints what selects Cilium (nothing for Felix); fails when the config is not JSON kubectl can read.
cni_engine() { # $1: the eni-config key Terway reads
  if ! parsed=$(printf '%s\n' "${CM#*"${NL}cni.json$NL"}" |
    "$KUBECTL" patch --filename - --local --type merge --patch '{}' --output "go-template-file=$TEMPLATES/hook-cni.gotmpl" 2>&1); then
    fail "eni-config $1 is not JSON that names Terway's plugin ($(printf '%s\n' "$parsed" | sed -n '1{s/[.]*$//;p;}')), so the policy engine Terway runs cannot be told; nothing was changed."
  fi
  provider=$(line_of provider "$parsed")
  virtual=$(line_of virtual "$parsed")
  case "$provider $(printf '%s\n' "$virtual" | sed 'y/ABCDEFGHIJKLMNOPQRSTUVWXYZ/abcdefghijklmnopqrstuvwxyz/')" in
    '"ebpf" '*) echo "network_policy_provider $provider" ;;
    *' "ipvlan"' | *' "datapathv2"') virtual=${virtual#\"} && echo "eniip_virtual_type ${virtual%\"}" ;;
  esac
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

# "A.B" from a version ("vA.B..." or "A.B..."), or nothing. Parameter expansion, not sed, as in unquoted.
minor_of() {
  mo_rest=${1#v}
  mo_major=${mo_rest%%.*}
  case $mo_major in '' | *[!0-9]* | "$mo_rest") return 0 ;; esac
  mo_rest=${mo_rest#*.}
  mo_minor=${mo_rest%%[!0-9]*}
  [ -z "$mo_minor" ] || printf '%s\n' "$mo_major.$mo_minor"
}

# A version this hook cannot vouch for: refused, unless typha.allowVersionSkew accepts it.
skew() { # $1: the sentence, without its ending
  if [ "$ALLOW_VERSION_SKEW" = true ]; then
    warn "$1 (allowed by typha.allowVersionSkew)"
  else
    fail "$1: set typha.allowVersionSkew=true to accept that; nothing was changed."
  fi
}

# "true" when a disable_network_policy value (%q-quoted, - for absent) turns NetworkPolicy off. Terway compares
# the raw value: "false", "0" and empty (or absent) leave it on, anything else turns it off (AliyunContainerService/terway
# cmd/terway-cli/common.go getAllConfig, v1.17.5; policy/policyinit.sh DISABLE_POLICY, v1.4.4).
policy_off() {
  case "$1" in
    - | '""' | '"false"' | '"0"') return 1 ;;
    *) return 0 ;;
  esac
}

# ---------------------------------------------------------------------------------------------------------
# The checks, one concern each, in the order run_for lists them.

read_eni_config() {
  CM=$(eni_config)
  [ -z "$CM" ] || return 0
  if [ "$PHASE" = pre-delete ]; then
    FINISHED="ConfigMap $NAMESPACE/$CONFIGMAP does not exist: nothing to restore"
    return 0
  fi
  fail "ConfigMap $NAMESPACE/$CONFIGMAP does not exist: this cluster does not run Terway (or hook.configMapName is wrong), nothing was changed."
}

find_terway() {
  DS=$(terway_daemonsets)
  DS_BEFORE=$DS
  FOUND=""
  for ds in $DAEMONSETS; do
    case "$NL$DS" in *"$NL$ds rv "*) ;; *) continue ;; esac # every DaemonSet read has an rv line
    if ds_windows "$ds"; then
      log "daemonset/$ds runs on Windows nodes, whose policy container does not read $RELAY_KEY and which roll only when their pods are deleted: it is neither rolled nor counted"
      continue
    fi
    FOUND="$FOUND $ds"
  done
  [ -z "$FOUND" ] || return 0
  if [ "$PHASE" = pre-delete ]; then
    warn "no Terway DaemonSet ($DAEMONSETS) left in $NAMESPACE: eni-config is restored but no pod is restarted"
    return 0
  fi
  if [ -n "$(kc get daemonset "$ENI_ONLY_DAEMONSET" --ignore-not-found --output name)" ]; then
    fail "only DaemonSet $ENI_ONLY_DAEMONSET (exclusive ENI) runs Terway here, and exclusive-ENI nodes run no Felix, so there is no Felix for this chart to configure; nothing was changed."
  fi
  fail "no Terway DaemonSet named $(echo "$DAEMONSETS" | sed 's/ / or /g') in $NAMESPACE (set hook.terwayDaemonSets to its name); nothing was changed."
}

check_policy_containers() {
  for ds in $FOUND; do
    [ -n "$(ds_fact "$ds" policy)" ] ||
      fail "DaemonSet $ds has no policy container, so it runs no Felix (exclusive ENI or a policy-less Terway): this chart has nothing to configure; nothing was changed."
  done
}

# Policy already off: Felix never starts (AliyunContainerService/terway cmd/terway-cli/policy.go initPolicy, v1.17.5), so a relay would
# change nothing. What counts is the value after this revision's post phase: a value this release set itself
# (disable mode before) is restored then. Records another release left are forgotten at pre-install: then the
# value itself counts.
check_policy_on() {
  if [ "$PHASE" = pre-install ] && ! records_ours; then
    after=$(value_of "$DISABLE_KEY")
  else
    after=$(target_for "$DISABLE_KEY" "$(action_for "$DISABLE_KEY" post-upgrade)")
  fi
  if policy_off "$after"; then
    fail "eni-config has $DISABLE_KEY=$(value_of "$DISABLE_KEY"), so Terway runs no Felix and a relay would change nothing: set it to \"false\" first (or use mode disable-network-policy); nothing was changed."
  fi
}

check_policy_engine() {
  cni=$(fact cni)
  [ -n "$cni" ] || return 0
  engine=$(cni_engine "$cni") || exit 1
  [ -z "$engine" ] || fail "eni-config $cni selects $engine, so Terway runs Cilium (eBPF) instead of Felix and Typha would do nothing; nothing was changed."
}

check_reads_owned_key() {
  for ds in $FOUND; do
    ds_has "$ds" "reads $CONFIGMAP/$OWNED_KEY" ||
      fail "DaemonSet $ds ($(ds_fact "$ds" policy)) does not read $OWNED_KEY from $CONFIGMAP in its policy container: upgrade Terway first (the guide's step 2); nothing was changed."
  done
}

check_update_strategy() {
  rolling=""
  for ds in $FOUND; do
    strategy=$(ds_fact "$ds" strategy)
    case "$strategy" in
      RollingUpdate | '') rolling="$rolling $ds" ;; # the API server defaults it to RollingUpdate
      *)
        # An uninstall with nothing of this release on these pods (an install refused or never finished) has
        # nothing to roll: it leaves the DaemonSet alone instead of blocking.
        if [ "$PHASE" = pre-delete ] && [ -z "$(recorded_keys)" ] && [ -z "$(state_of "$ds")" ] &&
          { [ "$MODE" != relay ] || [ "$(value_of "$RELAY_KEY")" != "$(quoted "$SERVICE_NAME")" ]; }; then
          log "daemonset/$ds uses updateStrategy $strategy and has nothing of this release to undo: left alone"
          continue
        fi
        fail "DaemonSet $ds uses updateStrategy $strategy: Terway could not be restarted as a watched rolling update, so set it to RollingUpdate; nothing was changed."
        ;;
    esac
  done
  FOUND=$rolling
}

# Felix from Calico v3.23 takes namespace and service-account labels only from v3 Profile resources
# (projectcalico/calico 2964babf, PR #5524, in v3.23.0; felix/labelindex/label_inheritance_index.go at v3.24.5,
# InheritIndex.OnUpdate: model.ResourceKey of kind Profile, Spec.LabelsToApply). Typha streams v3 Profiles only
# from v3.14 (projectcalico/libcalico-go db65b5e5, on release-v3.14, not release-v3.13); before, only the v1
# pieces (libcalico-go aae6c757, v3.5: lib/backend/syncersv1/updateprocessors/profileprocessor.go returns
# ProfileLabelsKey and ProfileRulesKey). Such a pair is refused even when typha.allowVersionSkew accepts a skew.
check_versions() {
  typha_minor=$(minor_of "$TYPHA_VERSION")
  for ds in $FOUND; do
    image=$(ds_fact "$ds" policy)
    terway_version=$(version_of "$image")
    row=""
    [ -z "$terway_version" ] || row=$(felix_row "$terway_version")
    if [ -z "$row" ]; then
      if [ -z "$terway_version" ]; then what="a tag that is not a Terway version"; else what="Terway $terway_version, which no row of the Felix version table places"; fi
      skew "Terway image $image has $what, so nothing proves that Typha $TYPHA_VERSION matches its Felix (docs/versions.md)"
      continue
    fi
    felix=${row% *}
    if [ -n "$typha_minor" ] && version_less "$typha_minor" 3.14 && ! version_less "$(minor_of "$felix")" 3.23; then
      fail "Typha $TYPHA_VERSION is older than v3.14 and sends no v3 Profiles, which Felix $felix (from v3.23) needs for namespace and service-account labels: every namespaceSelector and serviceAccountSelector would match nothing (projectcalico/calico#5524), so no typha.allowVersionSkew can pair it with Terway $image: set typha.image.tag=${row#* }; nothing was changed."
    elif [ -z "$typha_minor" ]; then
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
# ready addresses behind the Service Felix resolves, both from one kubectl call (hook-typha.gotmpl). Waits are
# counted in poll intervals, in tenths of a second (the image has no date to read a clock from), so a wait also
# lasts the kubectl calls between its sleeps.

typha_readiness() {
  kc get "deployment/$TYPHA_DEPLOYMENT" "endpoints/$SERVICE_NAME" --ignore-not-found --output "go-template-file=$TEMPLATES/hook-typha.gotmpl"
}

# Why Typha's pods are not ready, when waiting longer would not help: "now SENTENCE" for a failure that has
# already lasted (a container that keeps crashing, an image reference that cannot be valid), "stuck SENTENCE" for
# one that may still mend (an image pull, a missing config, a pod no node takes while too few others are
# scheduled), nothing otherwise. Each sentence names the pod's reason, its image and the values to change.
typha_trouble() { # $1: the Deployment's pod selector (K=V,...)
  [ -n "$1" ] || return 0
  pods=$(kc get pods --selector "${1%,}" --output "go-template-file=$TEMPLATES/hook-typha-pods.gotmpl") || return 0
  unchanged="eni-config was not changed"
  matching="calico/typha:$TYPHA_VERSION (the Typha that matches Terway's Felix)"
  to_acr="into your ACR and set typha.image.registry and typha.image.repository to it"
  trouble=$(printf '%s\n' "$pods" | sed -n 's/^waiting //p' | while read -r pod reason restarts image message; do
    case "$reason" in
      ErrImagePull | ImagePullBackOff) echo "stuck Typha pod $pod cannot pull its image $image ($reason): mirror $matching $to_acr; $unchanged." ;;
      InvalidImageName) echo "now Typha pod $pod has an image reference that is not valid, $image ($reason): set typha.image.registry, typha.image.repository and typha.image.tag to a valid reference; $unchanged." ;;
      CreateContainerConfigError) echo "stuck Typha pod $pod cannot start image $image ($reason: $message): fix what the message names, see kubectl -n $NAMESPACE describe pod $pod; $unchanged." ;;
      CrashLoopBackOff)
        [ "$restarts" -ge "$TYPHA_CRASH_RESTARTS" ] || continue
        echo "now Typha pod $pod keeps crashing with image $image ($reason after $restarts restarts): read kubectl -n $NAMESPACE logs $pod --previous, and if the image is not $matching, mirror that one $to_acr; $unchanged."
        ;;
      *) continue ;;
    esac
    break
  done)
  if [ -z "$trouble" ]; then
    scheduled=0
    for _ in $(printf '%s\n' "$pods" | sed -n 's/^scheduled //p'); do scheduled=$((scheduled + 1)); done
    # Pods a roll surges in wait for a node until the old ones are gone: only too few scheduled pods is trouble.
    if [ "$scheduled" -lt "$TYPHA_MIN_READY" ]; then
      trouble=$(printf '%s\n' "$pods" | sed -n 's/^unschedulable \([^ ]*\) \(.*\)/stuck Typha pod \1 cannot be scheduled (Unschedulable: \2): give it nodes it can run on, or change typha.nodeSelector, typha.tolerations or typha.replicas/p' | sed -n "1{s/\$/; $unchanged./p;}")
    fi
  fi
  printf '%s\n' "$trouble"
}

# Sets TYPHA_IPS, the ready addresses verify_felix reads metrics from. After a wait, eni-config and the
# DaemonSets are read again: the checks' reads are that much older.
wait_for_typha() {
  typha_waited=0
  typha_stuck=0
  while :; do
    readiness=$(typha_readiness)
    ready=$(line_of ready "$readiness")
    ready=${ready:-0}
    TYPHA_IPS=$(printf '%s\n' "$readiness" | sed -n 's/^ip //p')
    endpoints=0
    for _ in $TYPHA_IPS; do endpoints=$((endpoints + 1)); done
    if [ "$ready" -ge "$TYPHA_MIN_READY" ] && [ "$endpoints" -ge "$TYPHA_MIN_READY" ]; then # safety: ready endpoints
      log "Typha is ready: $ready ready replicas, $endpoints ready endpoints behind Service $SERVICE_NAME (need $TYPHA_MIN_READY)"
      break
    fi
    if [ "$typha_waited" -ge $((TYPHA_READY_TIMEOUT * 10)) ]; then
      fail "Typha was not ready within ${TYPHA_READY_TIMEOUT}s ($ready ready replicas of deployment/$TYPHA_DEPLOYMENT, $endpoints ready endpoints behind Service $SERVICE_NAME, need $TYPHA_MIN_READY): eni-config was not changed, Felix still works as before."
    fi
    trouble=$(typha_trouble "$(line_of selector "$readiness")")
    case "$trouble" in
      now\ *) fail "${trouble#now }" ;;
      stuck\ *)
        typha_stuck=$((typha_stuck + 1))
        [ "$typha_stuck" -lt "$TYPHA_STUCK_LOOKS" ] || fail "${trouble#stuck }"
        ;;
      *) typha_stuck=0 ;;
    esac
    log "waiting for Typha: $ready ready replicas, $endpoints ready endpoints (need $TYPHA_MIN_READY)"
    sleep "$POLL_SECONDS"
    typha_waited=$((typha_waited + POLL_TENTHS))
  done
  if [ "$typha_waited" -gt 0 ]; then
    CM=$(eni_config)
    DS=$(terway_daemonsets)
  fi
}

# ---------------------------------------------------------------------------------------------------------
# Restart: decided per DaemonSet from the state on its pod template, not from whether this run's patch changed
# anything, so a retried Job still restarts and a no-op upgrade restarts nothing. A key that changed under an
# unchanged state (eni-config rewritten by someone else) forces a roll with a counter before the state, unless
# another hook Job rolled the DaemonSet since this one read it (that roll already carries the change).

# The state annotation to write on a DaemonSet's pod template, or nothing when its pods need no restart.
roll_value() { # $1: DaemonSet, $2: the switch's plan
  current=$(state_of "$1")
  desired=$(line_of state "$2")
  changed_keys=$(line_of changes "$2")
  if [ -z "$current" ] && [ "$changed_keys" -eq 0 ] && [ "${PHASE#pre-}" != "$PHASE" ]; then
    # Never rolled by this chart and nothing changed now (an install that failed before its first change):
    # the pods still run with the eni-config they started with, so undoing needs no restart.
    :
  elif [ "$(rolled_for "$1")" != "$desired" ]; then
    printf '%s\n' "$desired"
  elif [ "$changed_keys" -gt 0 ] && [ "$current" = "$(state_of "$1" "$DS_BEFORE")" ]; then
    n=0
    [ "$current" = "$desired" ] || n=${current%% *}
    printf '%s\n' "$((n + 1)) $desired"
  fi
  return 0
}

# Rolls one DaemonSet: a JSON Patch that adds its pod template's state annotation, led by a test of the
# resourceVersion it was decided from, so of two hook Jobs deciding from the same read only one rolls.
roll_one() { # $1: DaemonSet, $2: the switch's plan
  roll_attempt=1
  while :; do
    rolled_state=$(state_of "$1")
    roll=$(roll_value "$1" "$2")
    if [ -z "$roll" ]; then
      log "daemonset/$1 already runs with this eni-config ($STATE_ANNOTATION=$rolled_state): no restart"
      return 0
    fi
    roll_rv=$(ds_fact "$1" rv)
    roll_plan=$(
      case $(ds_fact "$1" annotations) in
        none) op_add /spec/template/metadata '{"annotations":{}}' ;;
        no) op_add /spec/template/metadata/annotations '{}' ;;
      esac
      op_add "/spec/template/metadata/annotations/$(pointer "$STATE_ANNOTATION")" "$(json_string "$roll")"
    )
    if rolled=$(guarded_patch daemonset "$1" "$roll_rv" hook-daemonsets.gotmpl "$roll_plan"); then
      log "rolling restart of daemonset/$1 (its own maxUnavailable): $STATE_ANNOTATION ${rolled_state:-(none)} -> $roll"
      RESTARTS=$((RESTARTS + 1))
      return 0
    fi
    DS=$(terway_daemonsets)
    [ "$(ds_fact "$1" rv)" != "$roll_rv" ] || fail "could not patch daemonset/$1: $(printf '%s\n' "$rolled" | sed -n 1p)"
    [ "$roll_attempt" -lt "$CONFLICT_ATTEMPTS" ] ||
      fail "daemonset/$1 changed under this hook $roll_attempt times in a row, so it was not restarted: retry (helm upgrade, or sync again) once it settles."
    roll_attempt=$((roll_attempt + 1))
    log "daemonset/$1 changed since it was read (its controller, or another hook Job): deciding again from a fresh read (attempt $roll_attempt)"
  done
}

# Brings eni-config and the Terway pods to what this phase wants. The DaemonSets are not read again first: a
# roll decided from an older read is refused by its resourceVersion guard, then decided again from a fresh one.
switch() {
  change_eni_config plan_eni_config
  SWITCH_PLAN=$ENI_CONFIG_CHANGE
  CHANGED_KEYS=$(line_of changes "$SWITCH_PLAN")
  [ -n "$FOUND" ] || return 0 # safety: records outlive the roll
  for ds in $FOUND; do roll_one "$ds" "$SWITCH_PLAN"; done
  for ds in $FOUND; do
    kc rollout status "daemonset/$ds" --timeout "${ROLLOUT_TIMEOUT}s" || # safety: rollout finished
      fail "daemonset/$ds did not finish rolling out within ${ROLLOUT_TIMEOUT}s: see kubectl -n $NAMESPACE rollout status daemonset/$ds, then retry (helm upgrade) or undo by hand (docs/hook.md, Undoing by hand when a hook fails)."
  done
}

# pre-upgrade, pre-rollback: only when the pods do not already run with what the coming revision wants.
leave_what_goes_away() {
  if pods_match "$(targets_state post-upgrade)"; then
    FINISHED="Terway already runs with what the coming revision wants: nothing to do before Helm applies it"
  else
    switch
  fi
}

# Once Terway has rolled, the records of the keys the switch restored are dropped. eni-config is not read again:
# the plan starts from what the switch's write returned, and a stale plan is refused by its guard and re-planned.
drop_restored_records() {
  restored_keys=$(line_of restored "$SWITCH_PLAN")
  [ -n "$restored_keys" ] || return 0
  # shellcheck disable=SC2086 # one argument per key
  change_eni_config plan_drop $restored_keys
}

# pre-install: the release does not exist for Helm yet, so records another release wrote are stale (it was
# uninstalled with --no-hooks): forget them; post-install records the present state. Records this release
# wrote stay: Argo CD runs pre-install on every sync.
forget_other_records() {
  if ! records_ours; then
    warn "forgetting records another release ($(release_stamp)) left on $CONFIGMAP (uninstalled with --no-hooks?) for: $(recorded_keys)"
    change_eni_config plan_forget
  fi
  log "preflight passed"
}

# ---------------------------------------------------------------------------------------------------------
# Proof: a ready policy container only means its port 9099 answers (Terway's probes, AliyunContainerService/terway
# v1.17.5 charts/terway/templates/terwayd/daemonset.yaml; Felix HealthPort, calico v3.24.5 felix/config/config_params.go); Typha's own metrics count the Felix
# connections. The metrics port is read straight from each ready Typha (hostNetwork: the node's address),
# with kubectl as the HTTP client and an empty kubeconfig (/dev/null), so no credential is sent there.

# typha_connections_active: Typha's gauge of connected clients (projectcalico/typha v3.5.8 and v3.20.2
# pkg/syncserver/sync_server.go; projectcalico/calico v3.24.5 typha/pkg/syncserver/sync_server.go).
typha_connections() { # sums typha_connections_active over the ready Typhas found by wait_for_typha
  total=""
  for ip in $TYPHA_IPS; do
    case "$ip" in *:*) host="[$ip]" ;; *) host=$ip ;; esac
    if metrics=$("$KUBECTL" --kubeconfig /dev/null --server "http://$host:$METRICS_PORT" --request-timeout 10s get --raw /metrics 2>&1); then
      n=0
      for v in $(printf '%s\n' "$metrics" | sed -n 's/^typha_connections_active\({[^}]*}\)\{0,1\} \([0-9][0-9.]*\).*/\2/p'); do
        n=$((n + ${v%%.*}))
      done
      total=$((${total:-0} + n))
    else
      warn "could not read Typha metrics at $host:$METRICS_PORT: $(printf '%s\n' "$metrics" | sed -n 1p)"
    fi
  done
  printf '%s\n' "$total"
}

verify_felix() {
  [ -n "$FOUND" ] || return 0
  if [ "$VERIFY_CONNECTIONS" != true ]; then
    log "not checking Felix connections (hook.verifyFelixConnections=false)"
    return 0
  fi
  # Ready Linux Terway pods, as read before the roll (a finished roll has at least as many): an upper bound, since
  # pods on exclusive-ENI nodes run no Felix (AliyunContainerService/terway cmd/terway-cli/policy.go runExclusiveENI, v1.17.5) and the
  # hook's Role cannot read nodes to count those. Such nodes carry k8s.aliyun.com/exclusive-mode-eni-type=eniOnly
  # (terway types/k8s.go ExclusiveENIModeLabel, v1.17.5).
  expected=0
  for ds in $FOUND; do
    r=$(ds_fact "$ds" ready)
    expected=$((expected + ${r:-0}))
  done
  connect_waited=0
  while :; do
    connected=$(typha_connections)
    if [ -n "$connected" ] && [ "$connected" -ge "$expected" ]; then # safety: metrics read
      log "Felix connected to Typha: $connected connections for $expected ready Terway pods"
      return 0
    fi
    if [ "$connect_waited" -ge $((CONNECT_TIMEOUT * 10)) ]; then
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
    connect_waited=$((connect_waited + POLL_TENTHS))
  done
}

# ---------------------------------------------------------------------------------------------------------

main() {
  check_tools
  check_inputs
  RESTARTS=0
  CHANGED_KEYS=0
  SWITCH_PLAN=""
  FINISHED=""
  log "mode $MODE, eni-config key $OWNED_KEY=$OWNED_VALUE, Terway DaemonSets: $DAEMONSETS"
  for step in $(run_for "$PHASE" "$MODE"); do
    "$step"
    [ -z "$FINISHED" ] || break
  done
  [ -z "$FINISHED" ] || log "$FINISHED"
  log "done: $CHANGED_KEYS eni-config key(s) changed, $RESTARTS DaemonSet(s) restarted"
}

main
