// Writes src/manifest/schema-types.ts, the TypeScript shapes of the manifest and override files,
// from schemas/manifest.schema.json and schemas/override.schema.json, so the types the loader
// hands on cannot drift from what the validator accepts. Run `npm run schema-types` after editing
// a schema; test/manifest.test.ts fails while the file on disk is not what this prints.
//
// It reads the part of JSON Schema draft-07 those two files use: type (one or a list), properties
// and required, additionalProperties, items, enum, const, oneOf, allOf, $ref (to the same file or
// to manifest.schema.json), and one if/else shape (`if: { anyOf: [{ required: [a] }, ...] }, else:
// { required: [b] }`: b is required unless one of a is given). Anything else fails loudly.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Schema = { readonly [keyword: string]: unknown };

const root = new URL('../', import.meta.url);
export const schemaTypesFile = new URL('src/manifest/schema-types.ts', root);

/** The keywords that constrain values but not their TypeScript shape. */
const IGNORED = new Set(['$schema', 'title', 'description', 'minLength', 'maxLength', 'propertyNames', 'minItems', 'minimum', 'maximum', 'pattern', 'patternErrorMessage', 'uniqueItems', 'definitions']);

const SOURCES = [
  { file: 'manifest.schema.json', rootName: 'ManifestContent' },
  { file: 'override.schema.json', rootName: 'OverrideContent' },
] as const;

function readSchema(file: string): Schema {
  return JSON.parse(readFileSync(new URL(`schemas/${file}`, root), 'utf8')) as Schema;
}

/** `tableContent` -> `TableContentSpec`: the name of a definition's type. */
function typeName(definition: string): string {
  return definition[0]!.toUpperCase() + definition.slice(1) + 'Spec';
}

function refName(ref: string, file: string): string {
  const match = /^(?<target>[\w.]*)#\/definitions\/(?<name>\w+)$/.exec(ref);
  if (!match) throw new Error(`${file}: unsupported $ref ${ref}`);
  const target = match.groups!.target || file;
  if (target !== file && target !== 'manifest.schema.json') throw new Error(`${file}: $ref into ${target}`);
  return typeName(match.groups!.name!);
}

function comment(text: unknown, indent: string): string {
  return typeof text === 'string' ? `${indent}/** ${text.replace(/\*\//g, '*\\/')} */\n` : '';
}

function quoteKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

function literal(value: unknown): string {
  return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(value);
}

/** The TypeScript type of a schema node; `indent` is the indentation of the line it starts on. */
function typeOf(schema: Schema, file: string, indent: string): string {
  for (const keyword of Object.keys(schema)) {
    if (!IGNORED.has(keyword) && !KNOWN.has(keyword)) throw new Error(`${file}: keyword ${keyword} is not supported by scripts/schema-types.ts`);
  }
  if (typeof schema.$ref === 'string') return refName(schema.$ref, file);
  if (Array.isArray(schema.enum)) return schema.enum.map(literal).join(' | ');
  if ('const' in schema) return literal(schema.const);
  if (Array.isArray(schema.oneOf)) return (schema.oneOf as Schema[]).map((s) => typeOf(s, file, indent)).join(' | ');
  if (Array.isArray(schema.allOf)) {
    const parts = (schema.allOf as Schema[]).map((s) => typeOf(s, file, indent));
    const required = requiredUnless(schema, file);
    return [...parts, ...(required ? [required] : []), ...(schema.properties ? [objectType(schema, file, indent)] : [])].join(' & ');
  }
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.length === 0) throw new Error(`${file}: a schema without type, $ref, enum, const, oneOf or allOf`);
  const words = types.map((type) => {
    switch (type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array':
        return `readonly ${parenthesized(typeOf(schema.items as Schema, file, indent))}[]`;
      case 'object':
        return objectType(schema, file, indent);
      default:
        throw new Error(`${file}: type ${type} is not supported`);
    }
  });
  return [...new Set(words)].join(' | ');
}

const KNOWN = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'oneOf', 'allOf', '$ref', 'if', 'else']);

function parenthesized(type: string): string {
  return /[|&]/.test(type) ? `(${type})` : type;
}

function objectType(schema: Schema, file: string, indent: string): string {
  const properties = schema.properties as Record<string, Schema> | undefined;
  const extra = schema.additionalProperties;
  if (!properties) {
    if (extra === undefined || extra === true) return 'Readonly<Record<string, unknown>>';
    if (extra === false) return 'Record<string, never>';
    return `Readonly<Record<string, ${typeOf(extra as Schema, file, indent)}>>`;
  }
  if (extra !== false) throw new Error(`${file}: an object with properties must set additionalProperties: false`);
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const inner = indent + '  ';
  const lines = Object.entries(properties).map(
    ([key, value]) => `${comment(value.description, inner)}${inner}readonly ${quoteKey(key)}${required.has(key) ? '' : '?'}: ${typeOf(value, file, inner)};\n`,
  );
  return `{\n${lines.join('')}${indent}}`;
}

/** `if: { anyOf: [{ required: [a] }, ...] }, else: { required: [b] }` as a union of required keys. */
function requiredUnless(schema: Schema, file: string): string | undefined {
  if (schema.if === undefined && schema.else === undefined) return undefined;
  const unless = ((schema.if as Schema | undefined)?.anyOf as Schema[] | undefined)?.map((s) => s.required as string[] | undefined);
  const otherwise = (schema.else as Schema | undefined)?.required as string[] | undefined;
  if (!unless || unless.some((r) => r?.length !== 1) || otherwise?.length !== 1) throw new Error(`${file}: unsupported if/else`);
  const given = (key: string) => `{ readonly ${quoteKey(key)}: unknown }`;
  return `(${[otherwise[0]!, ...unless.map((r) => r![0]!)].map(given).join(' | ')})`;
}

function declaration(name: string, schema: Schema, file: string): string {
  const head = comment(typeof schema.title === 'string' ? `${schema.title}: ${String(schema.description ?? '')}` : schema.description, '');
  const type = typeOf(schema, file, '');
  return /^\{\n/.test(type) ? `${head}export interface ${name} ${type}\n` : `${head}export type ${name} = ${type};\n`;
}

/** The text of src/manifest/schema-types.ts. */
export function schemaTypes(): string {
  const parts = [
    '// Generated by scripts/schema-types.ts from schemas/manifest.schema.json and',
    '// schemas/override.schema.json: edit the schemas and run `npm run schema-types`.',
    '',
  ].join('\n');
  const declarations: string[] = [];
  for (const { file, rootName } of SOURCES) {
    const schema = readSchema(file);
    declarations.push(declaration(rootName, schema, file));
    for (const [name, definition] of Object.entries((schema.definitions as Record<string, Schema> | undefined) ?? {})) {
      declarations.push(declaration(typeName(name), definition, file));
    }
  }
  return parts + '\n' + declarations.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(schemaTypesFile, schemaTypes());
  process.stdout.write(`wrote ${fileURLToPath(schemaTypesFile)}\n`);
}
