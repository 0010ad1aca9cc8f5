/** A piece of an Fn::Sub string: literal text, or a `${Name}` / `${Resource.Attribute}` variable. */
export type SubPart = { text: string } | { variable: string };

/**
 * Splits an Fn::Sub string. `${!Literal}` is the literal text `${Literal}`; a `${` without a
 * closing `}` stays literal text.
 */
export function parseSub(template: string): SubPart[] {
  const parts: SubPart[] = [];
  let text = "";
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf("${", i);
    if (start < 0) {
      text += template.slice(i);
      break;
    }
    text += template.slice(i, start);
    if (template[start + 2] === "!") {
      text += "${";
      i = start + 3;
      continue;
    }
    const end = template.indexOf("}", start + 2);
    if (end < 0) {
      text += template.slice(start);
      break;
    }
    if (text !== "") parts.push({ text });
    text = "";
    parts.push({ variable: template.slice(start + 2, end).trim() });
    i = end + 1;
  }
  if (text !== "") parts.push({ text });
  return parts;
}

/** The variables an Fn::Sub string names, in order. */
export function subVariables(template: string): string[] {
  return parseSub(template).flatMap((part) => ("variable" in part ? [part.variable] : []));
}
