// What the fleet bench (fleet.ts) asks of an engine. Each engine's module under bench/engines/
// supplies the parts that differ: where its fleet lives and how it is built, the bare read that
// audit is measured against, the same change as straight SQL that apply is measured against, and
// the bench manifest. Adding an engine to the bench is writing one such module and naming it in
// bench/engines/index.ts.

import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import type { BenchArgs } from './args.js';
import type { Cleanup } from './cleanup.js';
import type { Progress } from './progress.js';
import type { BenchProject } from './project.js';

/** One timed phase of --breakdown. */
export interface Phase {
  readonly phase: string;
  readonly seconds: number;
}

export interface BenchEngine {
  /** The names of the two baselines in the report. */
  readonly names: { readonly bare: string; readonly straight: string };
  /** What audit may cost against the bare read, and apply against the straight SQL. */
  readonly aims: { readonly audit: number; readonly plan?: number; readonly apply?: number };
  /**
   * Whether the desired schema is compiled on the server each time a fresh engine needs it
   * (postgres, in a rolled-back transaction): then the compile is timed on its own too.
   */
  readonly timesCompile: boolean;
  /** Makes the fleet's home (a database, a project directory), each undone through `cleanup`. */
  prepare(args: BenchArgs, progress: Progress, cleanup: Cleanup): Promise<BenchFleet>;
}

/** A fleet's home, made by BenchEngine.prepare: its tenants are built by build(). */
export interface BenchFleet {
  readonly project: BenchProject;
  /** The bench manifest, and the same with the column and index apply adds (added-column.ts). */
  readonly manifest: unknown;
  readonly manifestWithAddedColumn: unknown;
  /** Builds the tenants unless a kept fleet already holds them; logs what it did. Untimed. */
  build(engine: SchemaSyncEngine, tenants: readonly string[], progress: Progress): Promise<void>;
  /** Said when discovery finds another number of tenants than the bench asked for. */
  readonly mismatchHint?: string;
  /** The bare read of every tenant's schema; returns the line the warm-up prints (what it read). */
  bareRead(tenants: readonly string[]): Promise<string>;
  /** The apply's change as a person would run it, tenant after tenant. */
  applyStraight(tenants: readonly string[]): Promise<void>;
  /** Untimed: takes the added column and index away again. */
  undoStraight(tenants: readonly string[]): Promise<void>;
  /** --breakdown: the phases inside audit, each timed on its own. */
  breakdown(engine: SchemaSyncEngine, tenants: readonly string[], progress: Progress): Promise<Phase[]>;
  /** The server (or library) and its version, for the report's first line. */
  server(): Promise<string>;
}
