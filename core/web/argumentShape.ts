/** A tiny strict shape checker for JSON arguments arriving over HTTP (no dependency, no coercion). */

/** Checks one value; returns null when it fits or a readable problem ('where: what'). */
export type Shape = (value: unknown, where: string) => string | null;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string of `min`…`max` characters (default 0…4096). */
export function text(max = 4096, min = 0): Shape {
  return (value, where) => {
    if (typeof value !== 'string') return `${where} must be a string`;
    if (value.length < min) return `${where} must not be empty`;
    if (value.length > max) return `${where} must be at most ${max} characters`;
    if (value.includes('\0')) return `${where} must not contain NUL characters`;
    return null;
  };
}

/** A whole number in `min`…`max`. */
export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER): Shape {
  return (value, where) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max ? null : `${where} must be a whole number from ${min} to ${max}`);
}

/** `true` or `false`. */
export const boolean: Shape = (value, where) => (typeof value === 'boolean' ? null : `${where} must be true or false`);

/** One of the listed strings. */
export function oneOf(...choices: readonly string[]): Shape {
  return (value, where) => (typeof value === 'string' && choices.includes(value) ? null : `${where} must be one of ${choices.map((choice) => `'${choice}'`).join(', ')}`);
}

/** `shape` or null. */
export function nullable(shape: Shape): Shape {
  return (value, where) => (value === null ? null : shape(value, where));
}

/** Marks an object field as optional (absent or undefined). */
export interface OptionalShape {
  optional: Shape;
}

/** Wraps a field shape so that the field may be missing. */
export function optional(shape: Shape): OptionalShape {
  return { optional: shape };
}

/** An object with exactly these fields (unknown fields are rejected). */
export function object(fields: Record<string, Shape | OptionalShape>): Shape {
  return (value, where) => {
    if (!isRecord(value)) return `${where} must be an object`;
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(fields, key)) return `${where} has an unknown field '${key}'`;
    }
    for (const [key, field] of Object.entries(fields)) {
      const present = Object.hasOwn(value, key) && value[key] !== undefined;
      if (typeof field !== 'function') {
        if (!present) continue;
        const problem = field.optional(value[key], `${where}.${key}`);
        if (problem) return problem;
        continue;
      }
      if (!present) return `${where}.${key} is required`;
      const problem = field(value[key], `${where}.${key}`);
      if (problem) return problem;
    }
    return null;
  };
}

/** An array of at most `max` items, each fitting `item`. */
export function list(item: Shape, max: number, min = 0): Shape {
  return (value, where) => {
    if (!Array.isArray(value)) return `${where} must be an array`;
    if (value.length < min) return `${where} must have at least ${min} item(s)`;
    if (value.length > max) return `${where} must have at most ${max} items`;
    for (let index = 0; index < value.length; index += 1) {
      const problem = item(value[index], `${where}[${index}]`);
      if (problem) return problem;
    }
    return null;
  };
}

/** One of several object shapes, chosen by the string field `tag`. */
export function tagged(tag: string, variants: Record<string, Shape>): Shape {
  return (value, where) => {
    if (!isRecord(value)) return `${where} must be an object`;
    const name = value[tag];
    if (typeof name !== 'string' || !Object.hasOwn(variants, name)) return `${where}.${tag} must be one of ${Object.keys(variants).map((key) => `'${key}'`).join(', ')}`;
    return variants[name]!(value, where);
  };
}

/** Checks a positional argument list against `shapes` (trailing optional shapes may be omitted). */
export function checkArguments(args: unknown, shapes: readonly Shape[]): string | null {
  if (!Array.isArray(args)) return 'arguments must be a JSON array';
  if (args.length > shapes.length) return `expected at most ${shapes.length} argument(s), got ${args.length}`;
  for (let index = 0; index < shapes.length; index += 1) {
    const problem = shapes[index]!(args[index], `argument ${index + 1}`);
    if (problem) return problem;
  }
  return null;
}
