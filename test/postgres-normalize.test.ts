// Canonical form of PostgreSQL types, expressions and defaults (DESIGN.md invariant 2). The
// "pg" spellings below are what PostgreSQL 15 printed (pg_get_constraintdef with the CHECK (...)
// wrapper stripped, pg_get_expr, pg_get_indexdef, format_type) for the "person" spellings.
import pg from 'pg';
import { describe, expect, it, test, vi } from 'vitest';
import { parseIntegerArray } from '../src/engines/postgres/inspect.js';
import type { SchemaModel, TableModel } from '../src/model/types.js';
import {
  canonicalDefault,
  canonicalExpression,
  canonicalType,
  isBuiltinType,
  normalizeSchema,
  toManifestSchema,
} from '../src/engines/postgres/normalize.js';

const TYPES: readonly (readonly [string, string])[] = [
  ['int', 'integer'],
  ['int4', 'integer'],
  ['INTEGER', 'integer'],
  ['pg_catalog.int4', 'integer'],
  ['int2', 'smallint'],
  ['smallint', 'smallint'],
  ['int8', 'bigint'],
  ['BigInt', 'bigint'],
  ['float4', 'real'],
  ['real', 'real'],
  ['float8', 'double precision'],
  ['float', 'double precision'],
  ['double   precision', 'double precision'],
  ['float(10)', 'real'],
  ['float(24)', 'real'],
  ['float(25)', 'double precision'],
  ['float(53)', 'double precision'],
  ['bool', 'boolean'],
  ['boolean', 'boolean'],
  ['varchar(255)', 'character varying(255)'],
  ['character varying(255)', 'character varying(255)'],
  ['VARCHAR', 'character varying'],
  ['character varying', 'character varying'],
  ['national character varying(3)', 'character varying(3)'],
  ['char', 'character(1)'],
  ['character', 'character(1)'],
  ['char(5)', 'character(5)'],
  ['character(5)', 'character(5)'],
  ['nchar(2)', 'character(2)'],
  ['bpchar', 'bpchar'],
  ['bpchar(3)', 'character(3)'],
  ['"char"', '"char"'],
  ['text', 'text'],
  ['decimal', 'numeric'],
  ['numeric', 'numeric'],
  ['numeric(10,2)', 'numeric(10,2)'],
  ['numeric(10, 2)', 'numeric(10,2)'],
  ['NUMERIC(10)', 'numeric(10,0)'],
  ['decimal(5)', 'numeric(5,0)'],
  ['timestamp', 'timestamp without time zone'],
  ['timestamp without time zone', 'timestamp without time zone'],
  ['timestamptz', 'timestamp with time zone'],
  ['TIMESTAMP WITH TIME ZONE', 'timestamp with time zone'],
  ['timestamp(3)', 'timestamp(3) without time zone'],
  ['timestamptz(3)', 'timestamp(3) with time zone'],
  ['timestamp(3) with time zone', 'timestamp(3) with time zone'],
  ['time', 'time without time zone'],
  ['time(3)', 'time(3) without time zone'],
  ['timetz', 'time with time zone'],
  ['time with time zone', 'time with time zone'],
  ['interval', 'interval'],
  ['interval(3)', 'interval(3)'],
  ['interval year to month', 'interval year to month'],
  ['interval day to second(3)', 'interval day to second(3)'],
  ['bit', 'bit(1)'],
  ['bit(8)', 'bit(8)'],
  ['varbit', 'bit varying'],
  ['varbit(4)', 'bit varying(4)'],
  ['bit varying(4)', 'bit varying(4)'],
  ['int[]', 'integer[]'],
  ['integer[]', 'integer[]'],
  ['_int4', 'integer[]'],
  ['int ARRAY', 'integer[]'],
  ['int array[3]', 'integer[]'],
  ['int[][]', 'integer[]'],
  ['int[3][4]', 'integer[]'],
  ['_text', 'text[]'],
  ['varchar(10)[]', 'character varying(10)[]'],
  ['timestamptz[]', 'timestamp with time zone[]'],
  ['uuid', 'uuid'],
  ['JSONB', 'jsonb'],
  ['int4range', 'int4range'],
  ['mpaa_rating', 'mpaa_rating'],
  ['MPAA_Rating', 'mpaa_rating'],
  ['"MyType"', '"MyType"'],
  ['"mytype"', 'mytype'],
  ['public.citext', 'public.citext'],
  ['"public"."citext"', 'public.citext'],
  ['mood[]', 'mood[]'],
  ['_mood', '_mood'],
  ['serial', 'serial'],
  ['serial4', 'serial'],
  ['bigserial', 'bigserial'],
  ['serial8', 'bigserial'],
  ['smallserial', 'smallserial'],
  ['serial2', 'smallserial'],
];

describe('canonicalType', () => {
  test.each(TYPES)('%s -> %s', (input, expected) => {
    expect(canonicalType(input)).toBe(expected);
    expect(canonicalType(expected)).toBe(expected);
  });

  test('keeps what it cannot parse, case-folded outside quotes', () => {
    expect(canonicalType('  Foo   Bar ')).toBe('foo bar');
    expect(canonicalType('')).toBe('');
  });
});

describe('isBuiltinType', () => {
  test.each([
    'int', 'integer[]', '_int4', 'varchar(10)', 'character varying(10)[]', 'numeric(10,2)', 'text', 'bytea',
    'bool', 'date', 'timestamptz', 'timestamp(3)', 'time with time zone', 'interval', 'interval year to month',
    'uuid', 'json', 'jsonb', 'xml', 'inet', 'cidr', 'macaddr', 'macaddr8', 'money', 'tsvector', 'tsquery',
    'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle', 'bit(3)', 'varbit', 'oid', 'regclass',
    'int4range', 'tstzrange', 'daterange', '"char"', 'serial', 'bigserial', 'smallserial',
  ])('%s is built in', (type) => {
    expect(isBuiltinType(type)).toBe(true);
  });

  test.each(['mood', 'mood[]', 'public.citext', '"MyType"', 'geometry'])('%s is not built in', (type) => {
    expect(isBuiltinType(type)).toBe(false);
  });
});

// Every spelling in a row canonicalizes to the row's first element.
const EXPRESSIONS: readonly (readonly [string, ...string[]])[] = [
  ['price > 0', 'CHECK-stripped: (price > (0)::numeric)', 'price > 0', 'PRICE>0', '(price > 0)'],
  ['a + b * c - (a - b) > 0', '(((a + (b * c)) - (a - b)) > 0)', 'a + (b * c) - (a - b) > 0'],
  ['(a + b) * c > 10', '(((a + b) * c) > 10)', '(a + b) * c > 10'],
  ['a - (b - c) > 0', '((a - (b - c)) > 0)'],
  ['a - b - c > 0', '(((a - b) - c) > 0)', '(a - b) - c > 0'],
  ['a * b / c > 0', '(((a * b) / c) > 0)'],
  ['a / (b * c) > 0', '((a / (b * c)) > 0)'],
  ["status IN ('a', 'b')", "(status = ANY (ARRAY['a'::text, 'b'::text]))", "status in ('a','b')", "status = any(array['a', 'b'])"],
  ["status NOT IN ('a', 'b')", "(status <> ALL (ARRAY['a'::text, 'b'::text]))", "status not in ('a','b')"],
  ["email IN ('a', 'b')", "((email)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))", "email in ('a','b')"],
  ['a IN (1, 2)', '(a = ANY (ARRAY[1, 2]))', 'a in (1,2)'],
  ['a = 1', '(a = 1)', 'a in (1)', 'a = any(array[1])'],
  ['a <> 1', '(a <> 1)', 'a not in (1)', 'a != 1', 'a <> all(array[1])'],
  ['a = b OR a = c', '((a = b) OR (a = c))', 'a in (b, c)'],
  ['a IN (1, 2) OR a = b', '((a = ANY (ARRAY[1, 2])) OR (a = b))', 'a in (1, 2, b)'],
  ['a NOT IN (1, 2) AND a <> b', '((a <> ALL (ARRAY[1, 2])) AND (a <> b))', 'a not in (1, 2, b)'],
  ["lower(email) <> ''", "(lower((email)::text) <> ''::text)", "lower(email) <> ''", "LOWER(Email) != ''"],
  ['lower(email)', 'lower((email)::text)', 'lower(email)'],
  ['deleted_at IS NULL', '(deleted_at IS NULL)', 'deleted_at is null', 'deleted_at isnull'],
  ['deleted_at IS NULL OR a IS NOT NULL', '((deleted_at IS NULL) OR (a IS NOT NULL))', 'deleted_at is null or a notnull'],
  [
    "email LIKE '%@%' AND email NOT LIKE 'x%' AND name ILIKE 'a%'",
    "(((email)::text ~~ '%@%'::text) AND ((email)::text !~~ 'x%'::text) AND (name ~~* 'a%'::text))",
    "email like '%@%' and email not like 'x%' and name ilike 'a%'",
  ],
  ["name NOT ILIKE 'a%'", "(name !~~* 'a%'::text)", "name not ilike 'a%'"],
  ['a >= 1 AND a <= 10', '((a >= 1) AND (a <= 10))', 'a between 1 and 10', 'a BETWEEN 1 AND 10'],
  ['a < 1 OR a > 10', '((a < 1) OR (a > 10))', 'a not between 1 and 10'],
  ['(a < 1 OR a > 2) AND (a < 2 OR a > 1)', '(((a < 1) OR (a > 2)) AND ((a < 2) OR (a > 1)))', 'a not between symmetric 1 and 2'],
  ['b > 0 AND a >= 1 AND a <= 10', '((b > 0) AND ((a >= 1) AND (a <= 10)))', 'b > 0 and a between 1 and 10', 'b > 0 AND (a >= 1 AND a <= 10)'],
  ['-a < 5 AND NOT (a = 3)', '(((- a) < 5) AND (NOT (a = 3)))', '-a < 5 and not a = 3'],
  ['-(a + b) > 0 AND -a * 2 < 0', '(((- (a + b)) > 0) AND (((- a) * 2) < 0))', '-(a+b) > 0 and (-a)*2 < 0'],
  ['+a > 0 AND -(-a) > 0', '(((+ a) > 0) AND ((- (- a)) > 0))', '+a > 0 and - -a > 0'],
  [
    "data ->> 'k' = 'v' AND data @> '{\"a\": 1}' AND data ? 'x'",
    "(((data ->> 'k'::text) = 'v'::text) AND (data @> '{\"a\": 1}'::jsonb) AND (data ? 'x'::text))",
  ],
  ["data #>> '{a,b}' = 'x' AND data ?| ARRAY['a', 'b']", "data #>> '{a,b}' = 'x' and data ?| array['a','b']"],
  [
    "CASE WHEN a > 0 THEN 'p' WHEN a < 0 THEN 'n' ELSE 'z' END <> 'q'",
    "(\nCASE\n    WHEN (a > 0) THEN 'p'::text\n    WHEN (a < 0) THEN 'n'::text\n    ELSE 'z'::text\nEND <> 'q'::text)",
    "case when a > 0 then 'p' when a < 0 then 'n' else 'z' end <> 'q'",
  ],
  ['CASE a WHEN 1 THEN TRUE ELSE FALSE END', '\nCASE a\n    WHEN 1 THEN true\n    ELSE false\nEND', 'case a when 1 then true else false end'],
  ['CASE WHEN a > 0 THEN 1 END > 0', '(\nCASE\n    WHEN (a > 0) THEN 1\n    ELSE NULL::integer\nEND > 0)', 'case when a > 0 then 1 end > 0', 'case when a > 0 then 1 else null end > 0'],
  [
    'COALESCE(a, 0) >= NULLIF(b, 1) AND GREATEST(a, b) > LEAST(a, c)',
    '((COALESCE(a, 0) >= NULLIF(b, 1)) AND (GREATEST(a, b) > LEAST(a, c)))',
    'coalesce(a, 0) >= nullif(b, 1) and greatest(a,b) > least(a,c)',
  ],
  [
    "char_length(name) < 10 AND EXTRACT(year FROM deleted_at) > 2000 AND date_part('year', deleted_at) > 2000",
    "((char_length(name) < 10) AND (EXTRACT(year FROM deleted_at) > (2000)::numeric) AND (date_part('year'::text, deleted_at) > (2000)::double precision))",
    "char_length(name) < 10 and extract(YEAR from deleted_at) > 2000 and date_part('year', deleted_at) > 2000",
    "char_length(name) < 10 and extract('year' from deleted_at) > 2000 and date_part('year', deleted_at) > 2000",
  ],
  ["tags[1] <> 'x'", "(tags[1] <> 'x'::text)"],
  ["tags[1:2] <> '{}'", "(tags[1:2] <> '{}'::text[])"],
  ['(ARRAY[1, 2])[1] > 0', '((ARRAY[1, 2])[1] > 0)'],
  ['deleted_at < CURRENT_TIMESTAMP AND deleted_at > CURRENT_DATE', '((deleted_at < now()) AND (deleted_at > CURRENT_DATE))', 'deleted_at < current_timestamp and deleted_at > current_date', 'deleted_at < transaction_timestamp() and deleted_at > CURRENT_DATE'],
  ['d > CURRENT_DATE - 30 AND ts < LOCALTIMESTAMP AND ts < CURRENT_TIMESTAMP(3)', '((d > (CURRENT_DATE - 30)) AND (ts < LOCALTIMESTAMP) AND (ts < CURRENT_TIMESTAMP(3)))'],
  ['a IS DISTINCT FROM b AND a IS NOT DISTINCT FROM c', '((a IS DISTINCT FROM b) AND (NOT (a IS DISTINCT FROM c)))', 'a is distinct from b and a is not distinct from c'],
  ['NOT (a IS NOT DISTINCT FROM b)', '(NOT (NOT (a IS DISTINCT FROM b)))', 'not (a is not distinct from b)'],
  ['flag IS TRUE OR flag IS NOT FALSE', '((flag IS TRUE) OR (flag IS NOT FALSE))', 'flag is true or flag is not false'],
  ['(a IS NULL) IS FALSE', '((a IS NULL) IS FALSE)', 'a isnull is false'],
  ['NOT (a = 1) AND NOT (a IS NULL)', '((NOT (a = 1)) AND (NOT (a IS NULL)))', 'not a = 1 and not a is null'],
  ["name ~ '^a' AND name !~* 'b' AND name || 'x' <> 'y'", "((name ~ '^a'::text) AND (name !~* 'b'::text) AND ((name || 'x'::text) <> 'y'::text))"],
  ["name ~ similar_to_escape('a%')", "(name ~ similar_to_escape('a%'::text))", "name similar to 'a%'"],
  ["name !~ similar_to_escape('a%')", "(name !~ similar_to_escape('a%'::text))", "name not similar to 'a%'"],
  ["name LIKE like_escape('x', '!')", "(name ~~ like_escape('x'::text, '!'::text))", "name like 'x' escape '!'"],
  ["status = ANY ('{a,b}')", "(status = ANY ('{a,b}'::text[]))"],
  ['a = ANY (tags::integer[])', '(a = ANY ((tags)::integer[]))'],
  ['x >= ALL (ARRAY[1, 2])', 'x >= all(array[1,2])'],
  ['a > -1 AND price > -1.5 AND price > 1000', "((a > '-1'::integer) AND (price > '-1.5'::numeric) AND (price > '1000'::numeric))", 'a > -1 and price > -1.5 and price > 1e3', 'a>-1 and price>-1.5 and price>1000'],
  ["status = 'a''b' AND status <> 'it''s'", "((status = 'a''b'::text) AND (status <> 'it''s'::text))", "status = E'a\\'b' and status <> 'it''s'", "status = $$a'b$$ and status <> $q$it's$q$"],
  ['a::bigint > 0 AND a::numeric(5,2) > 0', '(((a)::bigint > 0) AND ((a)::numeric(5,2) > (0)::numeric))', 'cast(a as bigint) > 0 and a::numeric(5, 2) > 0', 'cast(a as int8) > 0 and a::decimal(5,2) > 0'],
  ['NOT (a > 0 AND b > 0) OR c > 0 AND (a > 1 OR b > 1)', '((NOT ((a > 0) AND (b > 0))) OR ((c > 0) AND ((a > 1) OR (b > 1))))'],
  ['a = 1 OR b = 2 AND c = 3', '((a = 1) OR ((b = 2) AND (c = 3)))'],
  ['(a = 1 OR b = 2) AND c = 3', '(((a = 1) OR (b = 2)) AND (c = 3))'],
  ['a AND b AND c', 'a AND (b AND c)', '(a AND b) AND c'],
  ["ch = 'x' AND lower(ch) = 'x'", "((ch = 'x'::bpchar) AND (lower((ch)::text) = 'x'::text))"],
  ['"Mixed" > 0 AND "position" > 0 AND "user" > 0', '(("Mixed" > 0) AND ("position" > 0) AND ("user" > 0))', '"Mixed" > 0 and "position" > 0 and "user" > 0'],
  ["TRIM(BOTH FROM name) <> ''", "(TRIM(BOTH FROM name) <> ''::text)", "trim(name) <> ''", "trim(both from name) <> ''"],
  ["TRIM(LEADING 'x' FROM y)", "trim(leading 'x' from y)"],
  [
    "SUBSTRING(name FROM 1 FOR 2) <> 'x' AND \"left\"(name, 1) <> 'y' AND POSITION('a' IN name) > 0",
    "((SUBSTRING(name FROM 1 FOR 2) <> 'x'::text) AND (\"left\"(name, 1) <> 'y'::text) AND (POSITION(('a'::text) IN (name)) > 0))",
    "substring(name from 1 for 2) <> 'x' and left(name, 1) <> 'y' and position('a' in name) > 0",
  ],
  ['"substring"(name, 1, 2)', 'substring(name, 1, 2)'],
  ["ts AT TIME ZONE 'UTC' > '2020-01-01 00:00:00'", "((ts AT TIME ZONE 'UTC'::text) > '2020-01-01 00:00:00'::timestamp without time zone)"],
  ["name COLLATE \"C\" > 'a'", "((name COLLATE \"C\") > 'a'::text)", "name collate \"C\" > 'a'"],
  ["x > 'a' COLLATE \"C\"", "(x > ('a'::text COLLATE \"C\"))"],
  ["tags <> ARRAY[]::text[] AND arr <> ARRAY[ARRAY[1, 2], ARRAY[3, 4]]", "((tags <> ARRAY[]::text[]) AND (arr <> ARRAY[ARRAY[1, 2], ARRAY[3, 4]]))", "tags <> array[]::text[] and arr <> array[[1,2],[3,4]]"],
  ["'1 day'::interval > '00:00:00'::interval", "('1 day'::interval > '00:00:00'::interval)", "interval '1 day' > interval '0'", "'1 day'::interval > '0 seconds'::interval"],
  ["deleted_at > CURRENT_TIMESTAMP - '1 day'::interval", "(deleted_at > (now() - '1 day'::interval))", "deleted_at > now() - interval '1 day'", "deleted_at > now() - '1 day'::interval"],
  ["tz > CURRENT_TIMESTAMP - '01:30:00'::interval", "(tz > (now() - '01:30:00'::interval))", "tz > now() - interval '90 minutes'", "tz > now() - '1.5 hours'::interval"],
  ["'2020-01-01' < CURRENT_TIMESTAMP", "('2020-01-01'::date < now())", "date '2020-01-01' < now()"],
  ["x = B'0101' AND y = B'00011111'", "x = b'0101' and y = x'1F'", "((x = '0101'::\"bit\") AND (y = '00011111'::\"bit\"))"],
  ['flag', 'flag', '(flag)', 'FLAG'],
  ['NOT flag', '(NOT flag)', 'not flag'],
  ['a + b', '((a + b))', '(a + b)'],
  ["data ->> 'k'", "((data ->> 'k'::text))"],
  ['a * 2 + b', '((a * 2) + b)'],
  ['-2 ^ 2 > 0', "((('-2'::integer)::double precision ^ (2)::double precision) > (0)::double precision)", '-2 ^ 2 > 0'],
  ["(-1)::text <> x", "(('-1'::integer)::text <> x)"],
  ['(a + b)::text <> x AND abs(a)::text <> \'\'', "((((a + b))::text <> x) AND ((abs(a))::text <> ''::text))"],
  ['a = (b IS NULL)', 'a = (b is null)'],
  ['(a = b) = c', '((a = b) = c)'],
  ['a - -1 = 2 ^ -1', 'a - -1 = 2 ^ (-1)', 'a-(-1)=2^ -1'],
  // scan.l: `^-` is one operator (it contains ^), and `--` starts a comment.
  ['a = 2 ^- 1', 'a--1\n = 2^-1'],
  ['a > 0', 'a /* comment /* nested */ */ > 0', 'a -- comment\n > 0'],
  ['0.5 + 5 + 7 + 150 + 0.001 + 15.0 + 0', '.5 + 5. + 007 + 1.5e2 + 1e-3 + 1.50e1 + -0'],
  ["CURRENT_USER = 'x' AND SESSION_USER <> USER", "current_user = 'x' and session_user <> user"],
  ["x::\"char\" = 'a'", "((x)::\"char\" = 'a'::\"char\")"],
  ['x::timestamp with time zone IS NULL', 'CAST(x AS timestamptz) IS NULL'],
  ['x::character varying(10)[] IS NULL', 'CAST(x AS varchar(10)[]) IS NULL'],
  ["nextval('s'::regclass)", "nextval('s')", "nextval('s'::regclass)"],
  ["lower(x)", 'pg_catalog.lower(x)'],
  ['public.f(x) AND t.a > "T".b', 'public.f(x) and t.a > "T".b'],
  ['x AT TIME ZONE \'UTC\' AT TIME ZONE \'Europe/Paris\'', "((x AT TIME ZONE 'UTC'::text) AT TIME ZONE 'Europe/Paris'::text)"],
  ['CASE WHEN a THEN 1 END::text', '(CASE WHEN a THEN 1 END)::text'],
  ['x @@ to_tsquery(\'a\') AND ~a = 1', "x @@ to_tsquery('a') and ~a = 1"],
];

// Expressions the parser does not cover: whitespace and keyword case only.
const FALLBACKS: readonly (readonly [string, string])[] = [
  ['x IN (SELECT 1)', 'x IN (SELECT 1)'],
  ['exists (select 1 from t)', 'EXISTS (SELECT 1 FROM t)'],
  ['count(*)  >  0', 'count(*) > 0'],
  ['(a, b) = (1, 2)', '(a, b) = (1, 2)'],
  ['f(DISTINCT x)', 'f(DISTINCT x)'],
  ['a.*', 'a.*'],
  ['$1 > 0', '$1 > 0'],
  ["U&'x'  =  y", "U&'x' = y"],
  ['', ''],
];

describe('canonicalExpression', () => {
  for (const [expected, ...inputs] of EXPRESSIONS) {
    test(expected, () => {
      for (const input of [expected, ...inputs]) {
        const text = input.startsWith('CHECK-stripped: ') ? input.slice('CHECK-stripped: '.length) : input;
        expect(canonicalExpression(text), text).toBe(expected);
      }
    });
  }

  test.each(FALLBACKS)('falls back on %j', (input, expected) => {
    expect(canonicalExpression(input)).toBe(expected);
  });

  test('is idempotent over every case', () => {
    const inputs = [...EXPRESSIONS.flat(), ...FALLBACKS.flat()];
    for (const input of inputs) {
      const once = canonicalExpression(input);
      expect(canonicalExpression(once), input).toBe(once);
    }
  });
});

describe('canonicalExpression with the table column types', () => {
  const columns = new Map<string, string>([
    ['a', 'integer'],
    ['email', 'character varying(100)'],
    ['name', 'text'],
    ['ch', 'character(3)'],
    ['data', 'jsonb'],
    ['ts', 'timestamp without time zone'],
    ['iv', 'interval'],
    ['d', 'date'],
    ['flag', 'boolean'],
    ['bits', 'bit(4)'],
  ]);
  const CASES: readonly (readonly [string, ...string[]])[] = [
    ["a::text <> 'x'", "((a)::text <> 'x'::text)", "a::text <> 'x'"],
    ["email <> 'x'", "((email)::text <> 'x'::text)"],
    ["COALESCE(email, 'x') <> ''", "((COALESCE(email, 'x'::character varying))::text <> ''::text)", "coalesce(email, 'x') <> ''"],
    ["iv > '01:00:00'::interval", "(iv > '01:00:00'::interval)", "iv > '1 hour'", "iv > interval '60 minutes'"],
    ["iv IN ('01:00:00'::interval, '2 days'::interval)", "(iv = ANY (ARRAY['01:00:00'::interval, '2 days'::interval]))", "iv in ('1 hour', '2 days')"],
    ["ts > '2020-01-01 00:00:00'", "(ts > '2020-01-01 00:00:00'::timestamp without time zone)", "ts > '2020-01-01'", "ts > timestamp '2020-01-01'"],
    ["d <> '2020-01-02'", "(d <> '2020-01-02'::date)", "d <> '2020-1-2'"],
    ["data @> '{\"a\": 1, \"b\": 2}'", "(data @> '{\"a\": 1, \"b\": 2}'::jsonb)", "data @> '{\"b\":2,\"a\":1}'"],
    ['flag = TRUE', '(flag = true)', "flag = 't'", "flag = 'yes'"],
    ["bits <> B'0101'", "(bits <> '0101'::\"bit\")", "bits <> '0101'"],
    ['a > 5', "(a > 5)", "a > '5'"],
    ["ch IN ('a', 'b')", "(ch = ANY (ARRAY['a'::bpchar, 'b'::bpchar]))", "ch in ('a', 'b')"],
  ];
  for (const [expected, ...inputs] of CASES) {
    test(expected, () => {
      for (const input of [expected, ...inputs]) {
        const once = canonicalExpression(input, columns);
        expect(once, input).toBe(expected);
        expect(canonicalExpression(once, columns)).toBe(once);
      }
    });
  }

  // The inspector may canonicalize catalog text without the column types; PostgreSQL's own
  // spelling must come out the same either way. The one exception is an explicit ::text on a
  // column that is not text, which only the column types can tell from PostgreSQL's implicit one.
  test("PostgreSQL's deparse canonicalizes the same without the column types", () => {
    for (const [, pgForm] of CASES.slice(1)) {
      expect(canonicalExpression(pgForm!), pgForm).toBe(canonicalExpression(pgForm!, columns));
    }
    expect(canonicalExpression("((a)::text <> 'x'::text)")).toBe("a <> 'x'");
  });
});

const DEFAULTS: readonly (readonly [type: string, expected: string | undefined, ...inputs: string[]])[] = [
  ['integer', "nextval('t_id_seq'::regclass)", "nextval('t_id_seq'::regclass)", "nextval('t_id_seq')"],
  ['bigint', "nextval('other.seq'::regclass)", "nextval('other.seq'::regclass)", "nextval('other.seq')"],
  ['integer', "nextval('\"Order_id_seq\"'::regclass)", "nextval('\"Order_id_seq\"'::regclass)"],
  ['character varying(10)', "'abc'", "'abc'::character varying", "'abc'"],
  ['text', "'abc'", "'abc'::text", "'abc'", "E'abc'"],
  ['text', "'it''s'", "'it''s'::text", "E'it\\'s'"],
  ['text', "'a\nb'", "'a\nb'::text", "E'a\\nb'"],
  ['text[]', "'{}'", "'{}'::text[]", "'{}'"],
  ['text[]', "ARRAY['a', 'b']", "ARRAY['a'::text, 'b'::text]", "array['a','b']"],
  ['text[]', 'ARRAY[]::text[]', 'ARRAY[]::text[]', 'array[]::text[]'],
  ['mood', "'active'", "'active'::mood", "'active'"],
  ['date', "'2020-01-01'", "'2020-01-01'::date", "'2020-01-01'", "'2020-1-1'"],
  ['date', 'CURRENT_DATE', 'CURRENT_DATE', 'current_date'],
  ['boolean', 'TRUE', 'true', "'t'", "'true'", 'TRUE', "'yes'", "'on'"],
  ['boolean', 'FALSE', 'false', "'f'", "'false'", "'off'", "'no'"],
  ['integer', '42', '42', "'42'::integer", "'42'"],
  ['integer', '-1', "'-1'::integer", '(-1)', '-1'],
  ['numeric', '1000', "'1000'::numeric", '1e3'],
  ['numeric', '1.50', '1.50', "'1.50'::numeric"],
  ['numeric(10,2)', '0', '0', '(0)::numeric'],
  ['double precision', '1000', "'1000'::double precision", "'1e3'"],
  ['real', '1.5', '1.5'],
  ['text', '0', '0'],
  ['timestamp with time zone', 'CURRENT_TIMESTAMP', 'now()', 'CURRENT_TIMESTAMP', 'transaction_timestamp()', 'NOW()'],
  ['timestamp without time zone', 'CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP', 'now()'],
  ['timestamp with time zone', "CURRENT_TIMESTAMP + '01:00:00'::interval", "(now() + '01:00:00'::interval)", "now() + interval '1 hour'"],
  ['interval', "'1 day'", "'1 day'::interval", "'1 day'", "interval '1 day'"],
  ['interval', "'01:00:00'", "'01:00:00'::interval", "'1 hour'"],
  ['jsonb', "'{}'", "'{}'::jsonb", "'{}'"],
  ['jsonb', "'{\"a\": 1, \"b\": [1, 2]}'", "'{\"a\": 1, \"b\": [1, 2]}'::jsonb", "'{\"b\":[1,2],\"a\":1}'"],
  ['uuid', 'gen_random_uuid()', 'gen_random_uuid()'],
  ['text', "'x' || 'y'", "('x'::text || 'y'::text)", "'x' || 'y'"],
  ['text', undefined, 'NULL', 'null', 'NULL::text', 'NULL::character varying', ''],
  ['integer', undefined, 'NULL::integer', '(NULL)'],
];

describe('canonicalDefault', () => {
  for (const [type, expected, ...inputs] of DEFAULTS) {
    test(`${type}: ${String(expected)}`, () => {
      for (const input of inputs) {
        const once = canonicalDefault(input, type);
        expect(once, input).toBe(expected);
        if (once !== undefined) expect(canonicalDefault(once, type)).toBe(once);
      }
    });
  }
});

describe('never throws', () => {
  // A small deterministic generator of token soup, including broken quotes and brackets.
  const pieces = [
    'a', 'B', '"q"', '"', "'", "'s'", "E'\\", '$$', '$1', '1', '1.5e', '.', '::', ':', '(', ')', '[', ']', ',',
    '+', '-', '--', '/*', '*/', '*', '/', '<>', '!=', '~~', '@>', '?', '|', 'AND', 'or', 'not', 'IS', 'NULL',
    'in', 'between', 'case', 'when', 'then', 'else', 'end', 'array', 'cast', 'as', 'int', 'character',
    'varying', 'interval', 'extract', 'from', 'trim', 'coalesce', 'any', 'all', 'like', 'escape', 'at',
    'time', 'zone', 'collate', 'select', ';', '\n', ' ', 'é', '\\', 'U&', 'x\'', "b'2'",
  ];
  let seed = 12345;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const samples: string[] = [];
  for (let i = 0; i < 2000; i += 1) {
    const length = 1 + random(12);
    let s = '';
    for (let j = 0; j < length; j += 1) s += pieces[random(pieces.length)]! + (random(3) === 0 ? '' : ' ');
    samples.push(s);
  }
  samples.push('('.repeat(5000) + 'a' + ')'.repeat(5000), 'NOT '.repeat(3000) + 'a', '-'.repeat(1000) + '1', '1e999999999');

  test('canonicalExpression, canonicalDefault and canonicalType on garbage', () => {
    for (const s of samples) {
      const e = canonicalExpression(s);
      expect(typeof e).toBe('string');
      expect(canonicalExpression(e), s).toBe(e);
      const d = canonicalDefault(s, 'integer');
      if (d !== undefined) expect(canonicalDefault(d, 'integer'), s).toBe(d);
      expect(typeof canonicalType(s)).toBe('string');
      expect(typeof isBuiltinType(s)).toBe('boolean');
    }
  });
});

function table(partial: Partial<TableModel> & { name: string }): TableModel {
  return { columns: [], uniques: [], indexes: [], foreignKeys: [], checks: [], ...partial };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('normalizeSchema', () => {
  const manifest: SchemaModel = deepFreeze({
    tables: [
      table({
        name: 'users',
        columns: [
          { name: 'id', type: 'bigserial', nullable: true },
          { name: 'email', type: 'VARCHAR(255)', nullable: false },
          { name: 'status', type: 'mood', nullable: false, default: "'active'::mood" },
          { name: 'created_at', type: 'timestamptz', nullable: false, default: 'now()' },
          { name: 'score', type: 'int', nullable: true, default: '0' },
          { name: 'active', type: 'bool', nullable: false, default: 'true' },
          { name: 'total', type: 'int', nullable: true, generated: '(score * 2)' },
          { name: 'note', type: 'text', nullable: true, default: 'NULL' },
        ],
        primaryKey: { name: 'users_pkey', columns: ['id'] },
        uniques: [{ name: 'users_email_key', columns: ['email'], deferrable: false }],
        indexes: [
          { name: 'users_lower_email', unique: true, method: 'BTREE', keys: [{ expression: 'lower((email)::text)' }], include: [] },
          { name: 'users_active', unique: false, method: '', keys: [{ column: 'id', descending: false, nulls: 'last' }], include: [], where: 'active = true and deleted_at is null' },
          { name: 'users_a', unique: false, method: 'gin', keys: [{ expression: '(score)' }], include: [] },
        ],
        checks: [
          { name: 'users_score_check', expression: 'score between 0 and 100' },
          { name: 'users_email_check', expression: "email like '%@%'" },
        ],
        foreignKeys: [],
      }),
      table({
        name: 'orders',
        columns: [
          { name: 'id', type: 'serial', nullable: false },
          { name: 'user_id', type: 'int8', nullable: false },
          { name: 'code', type: 'integer', nullable: true },
        ],
        primaryKey: { name: 'orders_pkey', columns: ['id'] },
        foreignKeys: [
          { name: 'orders_user_fk', columns: ['user_id'], refTable: 'users', refColumns: [], onDelete: 'CASCADE' as never, onUpdate: 'No Action' as never, deferrable: false, initiallyDeferred: false },
        ],
      }),
    ],
    enums: [
      { name: 'mood', values: ['active', 'sleeping'] },
      { name: 'color', values: ['red', 'blue'] },
    ],
    sequences: [{ name: 'invoice_seq', type: 'bigint', start: '', increment: '', minValue: '', maxValue: '', cache: '', cycle: false } as never],
  });

  const normalized = normalizeSchema(manifest);
  const users = normalized.tables.find((t) => t.name === 'users')!;
  const orders = normalized.tables.find((t) => t.name === 'orders')!;

  test('sorts tables, enums, sequences and table parts by name; keeps column order', () => {
    expect(normalized.tables.map((t) => t.name)).toEqual(['orders', 'users']);
    expect(normalized.enums.map((e) => e.name)).toEqual(['color', 'mood']);
    expect(normalized.sequences.map((s) => s.name)).toEqual(['invoice_seq', 'orders_id_seq', 'users_id_seq']);
    expect(users.indexes.map((i) => i.name)).toEqual(['users_a', 'users_active', 'users_lower_email']);
    expect(users.checks.map((c) => c.name)).toEqual(['users_email_check', 'users_score_check']);
    expect(users.columns.map((c) => c.name)).toEqual(['id', 'email', 'status', 'created_at', 'score', 'active', 'total', 'note']);
    expect(normalized.enums[0]!.values).toEqual(['red', 'blue']);
  });

  test('desugars serial columns into integer + owned sequence + nextval default', () => {
    expect(users.columns[0]).toEqual({ name: 'id', type: 'bigint', nullable: false, default: "nextval('users_id_seq'::regclass)" });
    expect(orders.columns[0]).toEqual({ name: 'id', type: 'integer', nullable: false, default: "nextval('orders_id_seq'::regclass)" });
    expect(normalized.sequences.find((s) => s.name === 'users_id_seq')).toEqual({
      name: 'users_id_seq', type: 'bigint', start: '1', increment: '1', minValue: '1', maxValue: '9223372036854775807', cache: '1', cycle: false,
      ownedBy: { table: 'users', column: 'id' },
    });
    expect(normalized.sequences.find((s) => s.name === 'orders_id_seq')?.maxValue).toBe('2147483647');
  });

  test('fills sequence defaults for the type', () => {
    expect(normalized.sequences.find((s) => s.name === 'invoice_seq')).toEqual({
      name: 'invoice_seq', type: 'bigint', start: '1', increment: '1', minValue: '1', maxValue: '9223372036854775807', cache: '1', cycle: false,
    });
    const descending = normalizeSchema({ tables: [], enums: [], sequences: [{ name: 's', type: 'int' as never, increment: '-1' } as never] });
    expect(descending.sequences[0]).toEqual({ name: 's', type: 'integer', start: '-1', increment: '-1', minValue: '-2147483648', maxValue: '-1', cache: '1', cycle: false });
  });

  test('canonical types, defaults, generated expressions and checks', () => {
    expect(users.columns.map((c) => c.type)).toEqual(['bigint', 'character varying(255)', 'mood', 'timestamp with time zone', 'integer', 'boolean', 'integer', 'text']);
    expect(users.columns.map((c) => c.default)).toEqual([
      "nextval('users_id_seq'::regclass)", undefined, "'active'", 'CURRENT_TIMESTAMP', '0', 'TRUE', undefined, undefined,
    ]);
    expect('default' in users.columns[7]!).toBe(false);
    expect(users.columns[6]!.generated).toBe('score * 2');
    expect(users.checks.map((c) => c.expression)).toEqual(["email LIKE '%@%'", 'score >= 0 AND score <= 100']);
  });

  test('indexes: lower-case method defaulting to btree, expressions, bare columns, default key options dropped', () => {
    expect(users.indexes).toEqual([
      { name: 'users_a', unique: false, method: 'gin', keys: [{ column: 'score' }], include: [] },
      { name: 'users_active', unique: false, method: 'btree', keys: [{ column: 'id' }], include: [], where: 'active = TRUE AND deleted_at IS NULL' },
      { name: 'users_lower_email', unique: true, method: 'btree', keys: [{ expression: 'lower(email)' }], include: [] },
    ]);
    expect(users.uniques).toEqual([{ name: 'users_email_key', columns: ['email'] }]);
  });

  test('foreign keys: lower-case actions, referenced primary key filled in', () => {
    expect(orders.foreignKeys).toEqual([
      { name: 'orders_user_fk', columns: ['user_id'], refTable: 'users', refColumns: ['id'], onDelete: 'cascade', onUpdate: 'no action', deferrable: false, initiallyDeferred: false },
    ]);
  });

  test('primary-key columns are NOT NULL', () => {
    const s = normalizeSchema({ tables: [table({ name: 't', columns: [{ name: 'k', type: 'text', nullable: true }], primaryKey: { name: 't_pkey', columns: ['k'] } })], enums: [], sequences: [] });
    expect(s.tables[0]!.columns[0]!.nullable).toBe(false);
  });

  test('keeps a sequence the schema already declares', () => {
    const declared = { name: 't_id_seq', type: 'integer' as const, start: '100', increment: '1', minValue: '1', maxValue: '2147483647', cache: '1', cycle: false };
    const s = normalizeSchema({ tables: [table({ name: 't', columns: [{ name: 'id', type: 'serial', nullable: false }] })], enums: [], sequences: [declared] });
    expect(s.sequences).toEqual([declared]);
  });

  test('shortens serial sequence names like PostgreSQL (63 bytes)', () => {
    const longTable = 'a'.repeat(60);
    const s = normalizeSchema({ tables: [table({ name: longTable, columns: [{ name: 'identifier', type: 'serial', nullable: false }] })], enums: [], sequences: [] });
    const name = `${'a'.repeat(48)}_identifier_seq`;
    expect(s.sequences[0]!.name).toBe(name);
    expect(s.tables[0]!.columns[0]!.default).toBe(`nextval('${name}'::regclass)`);
    const mixed = normalizeSchema({ tables: [table({ name: 'Order', columns: [{ name: 'id', type: 'serial', nullable: false }] })], enums: [], sequences: [] });
    expect(mixed.tables[0]!.columns[0]!.default).toBe("nextval('\"Order_id_seq\"'::regclass)");
  });

  test('does not mutate its input and is idempotent', () => {
    expect(normalizeSchema(normalized)).toEqual(normalized);
    expect(JSON.stringify(normalizeSchema(normalized))).toBe(JSON.stringify(normalized));
  });
});

describe('inspected and written spellings meet', () => {
  // The users table as PostgreSQL's catalogs spell it, and as a person writes it.
  const catalog: SchemaModel = {
    tables: [
      table({
        name: 'users',
        columns: [
          { name: 'id', type: 'bigint', nullable: false, default: canonicalDefault("nextval('users_id_seq'::regclass)", 'bigint')! },
          { name: 'email', type: canonicalType('character varying(255)'), nullable: false },
          { name: 'status', type: 'mood', nullable: false, default: canonicalDefault("'active'::mood", 'mood')! },
          { name: 'created_at', type: 'timestamp with time zone', nullable: false, default: canonicalDefault('now()', 'timestamp with time zone')! },
          { name: 'total', type: 'integer', nullable: true, generated: canonicalExpression('((score * 2) + 1)') },
          { name: 'score', type: 'integer', nullable: true },
        ],
        primaryKey: { name: 'users_pkey', columns: ['id'] },
        indexes: [
          { name: 'users_email', unique: true, method: 'btree', keys: [{ expression: canonicalExpression('lower((email)::text)') }], include: [], where: canonicalExpression("((status <> 'gone'::mood) AND (score > 0))") },
        ],
        checks: [
          {
            name: 'users_email_check',
            expression: canonicalExpression(
              "(((email)::text ~~ '%@%'::text) AND ((email)::text <> ALL ((ARRAY['a'::character varying, 'b'::character varying])::text[])))",
            ),
          },
          { name: 'users_score_check', expression: canonicalExpression('(((score >= 0) AND (score <= 100)) OR (score IS NULL))') },
        ],
      }),
    ],
    enums: [{ name: 'mood', values: ['active', 'gone'] }],
    sequences: [
      { name: 'users_id_seq', type: 'bigint', start: '1', increment: '1', minValue: '1', maxValue: '9223372036854775807', cache: '1', cycle: false, ownedBy: { table: 'users', column: 'id' } },
    ],
  };
  const written: SchemaModel = {
    tables: [
      table({
        name: 'users',
        columns: [
          { name: 'id', type: 'bigserial', nullable: false },
          { name: 'email', type: 'varchar(255)', nullable: false },
          { name: 'status', type: 'mood', nullable: false, default: "'active'" },
          { name: 'created_at', type: 'timestamptz', nullable: false, default: 'CURRENT_TIMESTAMP' },
          { name: 'total', type: 'int', nullable: true, generated: 'score * 2 + 1' },
          { name: 'score', type: 'int4', nullable: true },
        ],
        primaryKey: { name: 'users_pkey', columns: ['id'] },
        indexes: [
          { name: 'users_email', unique: true, method: 'BTREE', keys: [{ expression: 'lower(email)' }], include: [], where: "status != 'gone' and score > 0" },
        ],
        checks: [
          { name: 'users_email_check', expression: "email LIKE '%@%' AND email NOT IN ('a', 'b')" },
          { name: 'users_score_check', expression: 'score between 0 and 100 or score is null' },
        ],
      }),
    ],
    enums: [{ name: 'mood', values: ['active', 'gone'] }],
    sequences: [],
  };

  test('normalizeSchema(written) equals the catalog model, which normalizeSchema leaves alone', () => {
    expect(normalizeSchema(written)).toEqual(catalog);
    expect(normalizeSchema(catalog)).toEqual(catalog);
  });
});

describe('toManifestSchema', () => {
  const manifest: SchemaModel = {
    tables: [
      table({
        name: 't',
        columns: [
          { name: 'id', type: 'serial', nullable: false },
          { name: 'big', type: 'bigserial', nullable: false },
          { name: 'small', type: 'smallserial', nullable: false },
          { name: 'other', type: 'integer', nullable: false, default: "nextval('custom_seq')" },
        ],
        primaryKey: { name: 't_pkey', columns: ['id'] },
      }),
    ],
    enums: [],
    sequences: [{ name: 'custom_seq', type: 'integer', start: '1', increment: '1', minValue: '1', maxValue: '2147483647', cache: '1', cycle: false }],
  };
  const inspected = normalizeSchema(manifest);

  test('turns owned default sequences back into serial columns', () => {
    const back = toManifestSchema(inspected);
    expect(back.tables[0]!.columns).toEqual([
      { name: 'id', type: 'serial', nullable: false },
      { name: 'big', type: 'bigserial', nullable: false },
      { name: 'small', type: 'smallserial', nullable: false },
      { name: 'other', type: 'integer', nullable: false, default: "nextval('custom_seq'::regclass)" },
    ]);
    expect(back.sequences.map((s) => s.name)).toEqual(['custom_seq']);
    expect(normalizeSchema(back)).toEqual(inspected);
  });

  test('keeps sequences with non-default options', () => {
    const changed: SchemaModel = {
      ...inspected,
      sequences: inspected.sequences.map((s) => (s.name === 't_id_seq' ? { ...s, start: '1000' } : s)),
    };
    const back = toManifestSchema(changed);
    expect(back.tables[0]!.columns[0]).toEqual({ name: 'id', type: 'integer', nullable: false, default: "nextval('t_id_seq'::regclass)" });
    expect(back.sequences.map((s) => s.name)).toContain('t_id_seq');
  });
});

describe('parseIntegerArray', () => {
  const int2Array: number = 1005;
  const pgParser = pg.types.getTypeParser(int2Array, 'text') as (text: string) => unknown;
  it('reads integer arrays as pg does, bounds dropped, and leaves anything else to pg', () => {
    for (const text of ['{1,2}', '{}', '{-1,0,32767}', '[0:1]={1,2}', '[0:0]={3124}', '[2:3]={-1,2}', '{4294967295}', '{NULL,1}', '{{1,2},{3,4}}']) {
      expect(parseIntegerArray(text, pgParser), text).toEqual(pgParser(text));
    }
    const fallback = vi.fn(pgParser);
    parseIntegerArray('[0:1]={5,6}', fallback);
    parseIntegerArray('{1,NULL}', fallback);
    expect(fallback.mock.calls.map((c) => c[0])).toEqual(['{1,NULL}']);
  });
});
