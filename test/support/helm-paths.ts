// How Helm 3 (gojsonschema) and Helm 4 (santhosh-tekuri/jsonschema) name the value a schema error is about, for a
// harness path such as typha.tolerations[0].operator. Unknown and missing keys are named under their parent:
// Helm 3 "(root): Additional property typo", "typha: image is required"; Helm 4 "at '': additional properties
// 'typo' not allowed", "at '/typha': missing property 'image'".
export const SCHEMA_REFUSAL = /values don't meet the specifications of the schema/;

export function helmNamings(helm: 3 | 4, path: string): string[] {
  const segs = path.replace(/\[(\d+)\]/g, ".$1").split(".").filter((s) => s !== "");
  const leaf = segs.at(-1)!;
  const parent = segs.slice(0, -1);
  if (helm === 3) {
    const p3 = parent.join(".") || "(root)";
    return [`- ${segs.join(".")}: `, `- ${p3}: Additional property ${leaf} is not allowed`, `- ${p3}: ${leaf} is required`];
  }
  const p4 = parent.length ? `/${parent.join("/")}` : "";
  return [
    `at '/${segs.join("/")}': `,
    new RegExp(`at '${p4}': additional properties ('[^']*', )*'${leaf}'`).source,
    new RegExp(`at '${p4}': missing propert(y|ies) ('[^']*', )*'${leaf}'`).source,
  ];
}

/** True when Helm's message names the path in one of its forms. */
export function helmNamesPath(helm: 3 | 4, message: string, path: string): boolean {
  return helmNamings(helm, path).some((n, i) => (helm === 4 && i > 0 ? new RegExp(n).test(message) : message.includes(n)));
}
