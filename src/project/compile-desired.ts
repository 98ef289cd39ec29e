import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Change } from '../diff/changes.js';
import { diffSchemas } from '../diff/diff-schemas.js';
import type { CompileFailure, CompileRound, SchemaCompiler } from '../engines/types.js';
import type { SqlSource } from '../model/desired.js';
import { canonicalJson } from '../model/canonical-json.js';
import { emptySchema, type SchemaModel } from '../model/types.js';
import { orderChanges } from '../plan/order-changes.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { reprintRound, reprintable, sameApartFromText } from './reprint.js';
import { withRereadPart } from '../apply/verification-scope.js';

/** Bumped whenever what a compile returns for the same input changes shape. */
const COMPILE_FORMAT = 2;

/** What to compile: the manifest's model, completed by the engine's normalizer, and its SQL. */
export interface DesiredSource {
  readonly schema: SchemaModel;
  readonly sql: readonly SqlSource[];
  readonly tenantTypes: readonly string[];
  readonly tenantSequences: readonly string[];
}

export class CompileFailed extends Error {
  constructor(
    readonly failure: CompileFailure,
    /** The changes the compile rendered; failure.change indexes them. */
    readonly changes: readonly Change[],
  ) {
    super(failure.message);
    this.name = 'CompileFailed';
  }
}

/**
 * Compiles desired schemas on a server (see SchemaCompiler) once per distinct input, and keeps
 * the result in memory and in a cache directory, keyed by the input and the compiling server's
 * major version: an unchanged manifest is never compiled again, so a role that may only read the
 * catalogs can still audit, from the cache.
 */
export class DesiredCompiler {
  private readonly compiled = new Map<string, Promise<SchemaModel>>();
  private version: Promise<string> | undefined;

  constructor(
    private readonly compiler: () => SchemaCompiler,
    private readonly cacheDir: string | undefined,
  ) {}

  compile(source: DesiredSource): Promise<SchemaModel> {
    const input = canonicalJson({ schema: source.schema, sql: source.sql.map((s) => (s.wholeSchema ? { text: s.text, wholeSchema: s.wholeSchema } : s.text)) });
    let result = this.compiled.get(input);
    if (!result) {
      result = this.compileUncached(source, input);
      this.compiled.set(input, result);
    }
    return result;
  }

  private async compileUncached(source: DesiredSource, input: string): Promise<SchemaModel> {
    this.version ??= this.compiler().version();
    const version = await this.version;
    const key = createHash('sha256').update(`${COMPILE_FORMAT}\0${version}\0${input}`).digest('hex');
    const cached = await this.readCache(key);
    if (cached) return cached;
    const rounds = new InPlaceRounds(source);
    let schema = await this.compileOnce(source.schema, source.sql, source, rounds);
    // What the server prints does not always parse back to the same tree: `v IN ('a', 'b')` on a
    // varchar column prints as `= ANY ((ARRAY['a'::character varying, ...])::text[])`, which
    // reads back as `= ANY (ARRAY[('a'::character varying)::text, ...])`. Plans render the
    // printed text, so the desired schema is the fixed point: what a tenant built from the plan
    // holds (invariant 1). It is reached in one more round, rarely two. The rounds run in place
    // (see reprint.ts) where the engine can; else, or where one of them could not, again from
    // nothing, from the first round's schema.
    // A whole schema's SQL builds the tables too: run again on top of them it would build them
    // twice. Until the model holds what it makes besides (SchemaModel.objects), its first round
    // stands; a dump is the server's printed text already.
    if (rounds.fixedPoint !== undefined) schema = rounds.fixedPoint;
    else if (rounds.first !== undefined) schema = rounds.first;
    const holdsObjects = schema.objects !== undefined;
    for (let round = 0; rounds.fixedPoint === undefined && (holdsObjects || !source.sql.some((s) => s.wholeSchema)); round++) {
      // Where the inspector reads what `sql:` made (SchemaModel.objects), the model renders it;
      // where it does not, `sql:` must run again for the tables that use what it made.
      const again = await this.compileOnce(schema, holdsObjects ? [] : source.sql, source);
      if (canonicalJson(again) === canonicalJson(schema)) break;
      if (round === 2) throw new CompileFailed({ message: 'what the server prints for the desired schema does not read back the same after three rounds' }, []);
      schema = again;
    }
    await this.writeCache(key, schema);
    return deepFreeze(schema);
  }

  private async compileOnce(desired: SchemaModel, sql: readonly SqlSource[], source: DesiredSource, rounds?: InPlaceRounds): Promise<SchemaModel> {
    const changes = orderChanges(diffSchemas({ current: emptySchema, desired }));
    const [outcome] = await this.compiler().compileSchemas([
      {
        changes,
        tenantTypes: source.tenantTypes,
        tenantSequences: source.tenantSequences,
        sql,
        ...(rounds !== undefined && { thenChange: (schema: SchemaModel) => rounds.next(schema) }),
      },
    ]);
    if (!outcome) throw new Error('the compiler returned no outcome');
    if (!outcome.ok) throw new CompileFailed(outcome.error, changes);
    return outcome.schema;
  }

  private file(key: string): string | undefined {
    return this.cacheDir === undefined ? undefined : path.join(this.cacheDir, `${key}.json`);
  }

  private async readCache(key: string): Promise<SchemaModel | undefined> {
    const file = this.file(key);
    if (file === undefined) return undefined;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = JSON.parse(text) as { schema?: SchemaModel };
      const schema = parsed.schema;
      // A file cut short or edited is compiled again, never trusted.
      if (!schema || !Array.isArray(schema.tables) || !Array.isArray(schema.enums) || !Array.isArray(schema.sequences)) return undefined;
      return deepFreeze(schema);
    } catch {
      return undefined;
    }
  }

  /** Best effort: a cache that cannot be written (a read-only checkout) only costs a compile next time. */
  private async writeCache(key: string, schema: SchemaModel): Promise<void> {
    const file = this.file(key);
    if (file === undefined) return;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      // Kept out of `git status`: a team that wants read-only runs from a clean clone commits it with `git add -f`, or sets devUrl.
      const ignore = path.join(path.dirname(file), '.gitignore');
      await writeFile(ignore, '*\n', { flag: 'wx' }).catch(() => undefined);
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify({ schema }) + '\n');
      await rename(temp, file);
    } catch {
      // see above
    }
  }
}

/**
 * The fixed point's rounds run in the first round's scratch schema (CompileInput.thenChange): each
 * runs again the printed text that differs from the text it was built from (the model's, for the
 * first round; the read before, for the others), and is read again, until a read equals the one
 * before it. When anything but printed text differs between two reads, at a fourth read, or when
 * the server refused a round's changes, the rounds stop undecided, and the compile builds them
 * from nothing, from `first`, as an engine that never asks does.
 */
class InPlaceRounds {
  readonly #reads: SchemaModel[] = [];
  #fixedPoint: SchemaModel | undefined;
  #stopped = false;
  #asked: CompileRound | undefined;

  constructor(private readonly source: DesiredSource) {}

  /** The first round's schema, built from the manifest; undefined when the engine asked nothing. */
  get first(): SchemaModel | undefined {
    return this.#reads[0];
  }

  /** The schema that read back the same, once reached. */
  get fixedPoint(): SchemaModel | undefined {
    return this.#fixedPoint;
  }

  next(read: SchemaModel): CompileRound | undefined {
    if (this.#stopped) return undefined;
    try {
      return this.#next(read);
    } catch {
      // Whatever kept a round in place from being planned, rounds from nothing do without it.
      this.#stopped = true;
      this.#fixedPoint = undefined;
      return undefined;
    }
  }

  #next(read: SchemaModel): CompileRound | undefined {
    const previous = this.#reads.at(-1);
    const scope = this.#asked?.scope;
    const schema = previous !== undefined && scope !== undefined ? withRereadPart(previous, read, scope) : read;
    this.#reads.push(schema);
    const stop = (): undefined => {
      this.#stopped = true;
      return undefined;
    };
    if (previous === undefined) {
      // See compileUncached: a whole schema's SQL without objects runs once; SQL that the
      // model does not hold runs again in every round, from nothing.
      if (schema.objects === undefined && this.source.sql.length > 0) return stop();
      if (!reprintable(schema)) return stop();
    } else if (canonicalJson(schema) === canonicalJson(previous)) {
      this.#fixedPoint = previous;
      return stop();
    } else if (this.#reads.length > 3 || !sameApartFromText(schema, previous)) {
      return stop();
    }
    // The first round ran the model's own text; a round after it, the text read before.
    this.#asked = reprintRound(schema, previous ?? this.source.schema);
    if (this.#asked === undefined) {
      this.#fixedPoint = schema;
      return stop();
    }
    return this.#asked;
  }
}
