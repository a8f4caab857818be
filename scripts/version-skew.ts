// Which Typha may serve which Felix: the same-minor rule (skew, which typha.allowVersionSkew may accept) and the one
// pairing no value accepts. Its twins: the hook's check_versions (chart/files/relay-hook.sh, minor_of) and the
// chart's terway-relay.typhaFelixRefusal (chart/templates/_terway.tpl); doctor's version-skew check uses this module.

/** [major, minor] of "v3.5.8", "3.24" or "v3.20.2-aliyun" (a leading v is optional, as minor_of takes it); undefined
 * when the string does not start as a version ("latest", a digest). The one parser of a version's line in scripts/. */
export function majorMinor(version: string): [number, number] | undefined {
  const m = /^v?([0-9]+)\.([0-9]+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** a < b, both [major, minor]. */
export const below = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/** "v3.5" of [3, 5]. */
const line = ([major, minor]: [number, number]) => `v${major}.${minor}`;

/** "v3.5" of "v3.5.8" or "3.5.8"; undefined when the string does not start as a version. */
export function minorOf(version: string): string | undefined {
  const mm = majorMinor(version);
  return mm && line(mm);
}

/** Typha and Felix of one Calico line (same major.minor), the match the hook and the chart require; false when
 * either is not a version. */
export function sameMinor(typha: string, felix: string): boolean {
  const t = minorOf(typha);
  return t !== undefined && t === minorOf(felix);
}

/** Typha streams whole v3 Profile resources from this line on: libcalico-go db65b5e5 "Stream the whole v3 Profile
 * resource as well as legacy v1 pieces" (lib/backend/syncersv1/updateprocessors/profileprocessor.go), which
 * projectcalico/typha v3.14.0 pins (go.mod: libcalico-go dda4a7964ffa) and v3.13.x does not (26809aa675f6). Before
 * it, the Profile processor sends only v1 ProfileLabels and ProfileRules (libcalico-go aae6c757, pinned by typha
 * v3.5.8's glide.lock). */
const TYPHA_V3_PROFILES: [number, number] = [3, 14];

/** Felix takes namespace and service-account labels only from v3 Profile resources from this line on:
 * projectcalico/calico 2964babf "Calculation Graph: use v3 Profile instead of v1 ProfileLabels" (PR #5524, first in
 * v3.23.0); at v3.24.5 felix/labelindex/label_inheritance_index.go OnUpdate reads parent labels only from
 * model.ResourceKey of kind Profile and ignores v1 ProfileLabelsKey. */
const FELIX_V3_PROFILES_ONLY: [number, number] = [3, 23];

/**
 * The refusal of a Typha that feeds Felix no labels for its namespace and service-account selectors, or undefined
 * for any other pair (including tags that are not versions: the skew rule handles those). No value accepts it, not
 * typha.allowVersionSkew: nothing fails, the selectors just match nothing. `terway`, when known, is the Terway image
 * that bundles that Felix. One sentence without its ending, worded as the hook's check_versions words it (which
 * ends it "; nothing was changed."); the Typha it names is Felix's own version, which the chart's table deploys for
 * every Felix from v3.23.
 */
export function typhaFelixRefusal(typha: string, felix: string, terway?: string): string | undefined {
  const t = majorMinor(typha);
  const f = majorMinor(felix);
  if (!t || !f || !below(t, TYPHA_V3_PROFILES) || below(f, FELIX_V3_PROFILES_ONLY)) return undefined;
  const paired = terway === undefined ? `Felix ${felix}` : `Terway ${terway}`;
  return `Typha ${typha} is older than ${line(TYPHA_V3_PROFILES)} and sends no v3 Profiles, which Felix ${felix} (from ${line(FELIX_V3_PROFILES_ONLY)}) needs for namespace and service-account labels: every namespaceSelector and serviceAccountSelector would match nothing (projectcalico/calico#5524), so no typha.allowVersionSkew can pair it with ${paired}: set typha.image.tag=${felix}`;
}
