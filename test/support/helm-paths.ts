// How Helm 3 (gojsonschema) and Helm 4 (santhosh-tekuri/jsonschema) name the value a schema error is about, for a
// harness path such as typha.tolerations[0].operator. Unknown and missing keys are named under their parent:
// Helm 3 "(root): Additional property typo", "typha: image is required"; Helm 4 "at '': additional properties
// 'typo' not allowed", "at '/typha': missing property 'image'".
export const SCHEMA_REFUSAL = /values don't meet the specifications of the schema/;

export function helmNamings(helm: 3 | 4, path: string | (string | number)[]): string[] {
  // A dotted path is ambiguous for keys that contain dots (label keys): pass segments then.
  const segs =
    typeof path === "string"
      ? path
          .replace(/\[(\d+)\]/g, ".$1")
          .split(".")
          .filter((s) => s !== "")
      : path.map(String);
  const leaf = segs.at(-1)!;
  const parent = segs.slice(0, -1);
  if (helm === 3) {
    const p3 = parent.join(".") || "(root)";
    return [
      `- ${segs.join(".")}: `,
      `- ${p3}: Additional property ${leaf} is not allowed`,
      `- ${p3}: ${leaf} is required`,
    ];
  }
  // Helm 4 names values by JSON pointer: "~" and "/" inside a key are escaped as ~0 and ~1.
  const ptr = (xs: string[]) => xs.map((x) => x.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const p4 = parent.length ? esc(`/${ptr(parent)}`) : "";
  return [
    `at '/${ptr(segs)}': `,
    `at '${p4}': additional properties ('[^']*', )*'${esc(leaf)}'`,
    `at '${p4}': missing propert(y|ies) ('[^']*', )*'${esc(leaf)}'`,
  ];
}

/** True when Helm's message names the path in one of its forms. */
export function helmNamesPath(helm: 3 | 4, message: string, path: string | (string | number)[]): boolean {
  return helmNamings(helm, path).some((n, i) =>
    helm === 4 && i > 0 ? new RegExp(n).test(message) : message.includes(n),
  );
}
