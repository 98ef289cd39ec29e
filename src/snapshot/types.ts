import type { Change } from '../diff/changes.js';
import type { SchemaModel } from '../model/types.js';
import type { SnapshotStoreKind } from '../domain/settings.js';

/** What is recorded with a snapshot. */
export interface SnapshotMeta {
  /** The plan whose apply produced it; absent for an adopted schema (`inspect -o`). */
  readonly planId?: string;
  readonly fingerprint: string;
  /** When it was taken, ISO 8601. */
  readonly at: string;
}

/** One version of a tenant's snapshot, as `snapshot list` shows it. */
export interface SnapshotVersion {
  /** What `load` and `diff` take: 'current' (filesystem), a commit (git), a row id (database). */
  readonly rev: string;
  readonly at: string;
  readonly planId?: string;
  readonly fingerprint: string;
  /** The commit message's subject (git). */
  readonly message?: string;
}

export interface StoredSnapshot {
  readonly tenant: string;
  readonly rev: string;
  readonly schema: SchemaModel;
  readonly fingerprint: string;
  readonly planId?: string;
  readonly at?: string;
}

/**
 * The newest snapshot's fingerprint, with its schema read only when asked: the drift check needs
 * the schema only of a tenant whose live fingerprint differs from it.
 */
export interface CurrentSnapshot {
  readonly fingerprint: string;
  schema(): SchemaModel;
}

/** What a run did, for the git store's commit message. */
export interface SnapshotRun {
  /** `apply` or `adopt`. */
  readonly action: string;
  readonly planId?: string;
}

/**
 * A tenant's last applied schema and its history (DESIGN.md: save, load, list versions, diff two
 * versions). `save` may only stage: `commit` ends a run, so one apply of many tenants is one git
 * commit or one batch of database rows.
 */
export interface SnapshotStore {
  readonly kind: SnapshotStoreKind;
  /** Where the snapshots are, for messages: a directory, or the database table. */
  readonly location: string;
  save(tenant: string, snapshot: SchemaModel, meta: SnapshotMeta): Promise<void>;
  /** Makes everything saved since the last commit durable; returns the git commit, if one was made. */
  commit(run: SnapshotRun): Promise<{ readonly commit?: string; readonly warnings: readonly string[] }>;
  /** The newest version, cheaply; undefined when there is none. */
  current(tenant: string): Promise<CurrentSnapshot | undefined>;
  /** The newest version, or the one at `rev`; undefined when there is none. */
  load(tenant: string, rev?: string): Promise<StoredSnapshot | undefined>;
  /** Versions, newest first. */
  list(tenant: string): Promise<SnapshotVersion[]>;
  /** The changes from version revA to version revB, ordered as a plan orders them. */
  diff(tenant: string, revA: string, revB: string): Promise<Change[]>;
}
