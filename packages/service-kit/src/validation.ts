// Input parsing shared by REST routes and GraphQL resolvers: zod schemas in,
// Invalid (with one entry per bad field) out.
import { z } from 'zod';
import { Invalid } from './errors.ts';

const MAX_ID = 2_147_483_647;

/** A positive integer id, from a path segment, query value or GraphQL ID. */
export const idSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = String(value);
  const id = /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(id <= MAX_ID)) {
    ctx.addIssue({ code: 'custom', message: 'must be a positive integer id' });
    return z.NEVER;
  }
  return id;
});

export function invalidFromZod(error: z.ZodError): Invalid {
  const fieldName = (path: PropertyKey[]) => (path.length > 0 ? path.map(String).join('.') : '(body)');
  const errors = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldName([...issue.path, key]), message: 'is not a known field' }))
      : [{ field: fieldName(issue.path), message: issue.message }],
  );
  const summary = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new Invalid(`Invalid input: ${summary}`, errors);
}

/** Parses or throws Invalid naming each bad field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw invalidFromZod(result.error);
  return result.data;
}

/** Parses one id (path segment or GraphQL argument) named `field`. */
export function parseId(raw: unknown, field = 'id'): number {
  // The hot path of every lookup: check a valid id without building a schema.
  const text = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : '';
  if (/^[1-9][0-9]{0,9}$/.test(text) && Number(text) <= MAX_ID) return Number(text);
  return parse(z.object({ [field]: idSchema }), { [field]: raw })[field] as number;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
// Codes ICU knows that are groupings, not countries.
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'ZZ', 'QO']);

/** An ISO 3166-1 alpha-2 country code; lowercase input is accepted and uppercased. */
export const countrySchema = z
  .string()
  .trim()
  .transform((code) => code.toUpperCase())
  .refine(
    (code) => /^[A-Z]{2}$/.test(code) && !NOT_COUNTRIES.has(code) && regionNames.of(code) !== undefined,
    {
      message: 'must be an ISO 3166-1 alpha-2 country code such as GB or US',
    },
  );

const line = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** A postal address, as customers, orders and shipments take it. */
export const addressSchema = z.object({
  line1: line(200),
  city: line(100),
  postalCode: line(20),
  country: countrySchema,
});

export type AddressInput = z.output<typeof addressSchema>;

/**
 * The path to a NUL character (U+0000) in a parsed body or query, which
 * PostgreSQL cannot store in text ([] for a bare string), or undefined when
 * there is none. Runs on every request: the path is built only on a hit.
 */
function nulPathOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? [] : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) return [key];
    const rest = nulPathOf(inner);
    if (rest) return [key, ...rest];
  }
  return undefined;
}

/** Rejects a request whose body or query holds a NUL character, naming the field. */
export function rejectNulText(body: unknown, query: unknown): Invalid | undefined {
  const path = nulPathOf(body) ?? nulPathOf(query);
  if (path === undefined) return undefined;
  return new Invalid('Text may not contain the NUL character (\\u0000)', [
    { field: path.join('.') || '(body)', message: 'must not contain the NUL character (\\u0000)' },
  ]);
}
