// The change the apply measurement makes on every engine: one column and its index on one table.

/** The one column and index the apply measurement adds to every tenant. */
export const addedColumn = { table: 'tasks', column: 'bench_note', type: 'text', index: 'bench_note_idx' } as const;

interface BenchManifest {
  readonly tables: Readonly<Record<string, { readonly columns?: object; readonly indexes?: object; readonly partitionOf?: object }>>;
}

/** A bench manifest plus the added column and its index, as the user would edit it. */
export function manifestWithAddedColumn(manifest: BenchManifest): unknown {
  const { tables } = manifest;
  const table = tables[addedColumn.table]!;
  return {
    ...manifest,
    tables: {
      ...tables,
      [addedColumn.table]: {
        ...table,
        columns: { ...table.columns, [addedColumn.column]: addedColumn.type },
        indexes: { ...table.indexes, [addedColumn.index]: { columns: [addedColumn.column] } },
      },
    },
  };
}
