// The desired schema every bench tenant gets: a dozen tables of a small SaaS product, with the
// features real manifests use (identity and bigserial keys, defaults, an enum, foreign keys with
// actions, uniques, checks, a partial and an expression index), and the other kinds schema-sync
// manages (a table partitioned by range with its partitions, a domain, views, a trigger and its
// function, a SQL function, row-level security with a policy), so inspection and diff do the work
// they do in production rather than on toy tables.

import { manifestWithAddedColumn } from '../../added-column.js';

const createdAt = { type: 'timestamptz', nullable: false, default: 'now()' } as const;

export const benchManifest = {
  version: 1,
  enums: {
    task_status: ['todo', 'doing', 'review', 'done', 'archived'],
  },
  tables: {
    accounts: {
      columns: {
        id: { type: 'bigserial', primaryKey: true },
        name: { type: 'varchar(200)', nullable: false },
        slug: { type: 'varchar(64)', nullable: false, unique: true },
        plan: { type: 'varchar(32)', nullable: false, default: "'free'" },
        balance: { type: 'numeric(12,2)', nullable: false, default: 0 },
        created_at: createdAt,
      },
      checks: { accounts_balance_not_negative: 'balance >= 0' },
    },
    users: {
      columns: {
        id: { type: 'bigint', identity: 'always', primaryKey: true },
        account_id: { type: 'bigint', nullable: false, references: 'accounts.id', onDelete: 'cascade' },
        email: { type: 'varchar(255)', nullable: false },
        display_name: 'text',
        is_admin: { type: 'boolean', nullable: false, default: false },
        preferences: { type: 'jsonb', nullable: false, default: "'{}'" },
        created_at: createdAt,
        deleted_at: 'timestamptz',
      },
      uniques: [['account_id', 'email']],
      indexes: {
        users_lower_email: { columns: ['lower(email)'], where: 'deleted_at IS NULL' },
      },
    },
    projects: {
      columns: {
        id: { type: 'bigserial', primaryKey: true },
        account_id: { type: 'bigint', nullable: false, references: 'accounts.id', onDelete: 'cascade' },
        name: { type: 'varchar(200)', nullable: false },
        description: 'text',
        archived: { type: 'boolean', nullable: false, default: false },
        created_at: createdAt,
      },
      uniques: [['account_id', 'name']],
      indexes: {
        projects_active: { columns: ['account_id'], where: 'NOT archived' },
      },
    },
    tasks: {
      columns: {
        id: { type: 'bigserial', primaryKey: true },
        project_id: { type: 'bigint', nullable: false, references: 'projects.id', onDelete: 'cascade' },
        assignee_id: { type: 'bigint', references: 'users.id', onDelete: 'set null' },
        title: { type: 'varchar(500)', nullable: false },
        body: 'text',
        status: { type: 'task_status', nullable: false, default: "'todo'" },
        priority: { type: 'smallint', nullable: false, default: 0 },
        due_at: 'timestamptz',
        created_at: createdAt,
        updated_at: createdAt,
      },
      checks: { tasks_priority_range: 'priority BETWEEN 0 AND 5' },
      indexes: {
        tasks_project_status: { columns: ['project_id', 'status'] },
        tasks_assignee_due: { columns: ['assignee_id', { column: 'due_at', order: 'desc' }] },
      },
    },
    comments: {
      columns: {
        id: { type: 'bigserial', primaryKey: true },
        task_id: { type: 'bigint', nullable: false, references: 'tasks.id', onDelete: 'cascade' },
        author_id: { type: 'bigint', references: 'users.id', onDelete: 'set null' },
        body: { type: 'text', nullable: false },
        edited: { type: 'boolean', nullable: false, default: false },
        created_at: createdAt,
      },
      indexes: {
        comments_task_created: { columns: ['task_id', 'created_at'] },
      },
    },
    tags: {
      columns: {
        id: { type: 'integer', identity: 'by default', primaryKey: true },
        account_id: { type: 'bigint', nullable: false, references: 'accounts.id', onDelete: 'cascade' },
        name: { type: 'varchar(64)', nullable: false },
        color: { type: 'hex_color', nullable: false, default: "'#cccccc'" },
      },
      uniques: [['account_id', 'name']],
    },
    task_tags: {
      columns: {
        task_id: { type: 'bigint', nullable: false, references: 'tasks.id', onDelete: 'cascade' },
        tag_id: { type: 'integer', nullable: false, references: 'tags.id', onDelete: 'cascade' },
        created_at: createdAt,
      },
      primaryKey: ['task_id', 'tag_id'],
    },
    invoices: {
      columns: {
        id: { type: 'bigserial', primaryKey: true },
        account_id: { type: 'bigint', nullable: false, references: 'accounts.id', onDelete: 'restrict' },
        number: { type: 'varchar(32)', nullable: false, unique: true },
        status: { type: 'varchar(16)', nullable: false, default: "'draft'" },
        total: { type: 'numeric(12,2)', nullable: false, default: 0 },
        currency: { type: 'char(3)', nullable: false, default: "'EUR'" },
        issued_at: 'timestamptz',
        due_at: 'timestamptz',
        created_at: createdAt,
      },
      checks: {
        invoices_total_not_negative: 'total >= 0',
        invoices_status_known: "status IN ('draft', 'open', 'paid', 'void')",
      },
      indexes: {
        invoices_open_due: { columns: ['due_at'], where: "status = 'open'" },
      },
    },
    invoice_lines: {
      columns: {
        id: { type: 'bigserial', primaryKey: true },
        invoice_id: { type: 'bigint', nullable: false, references: 'invoices.id', onDelete: 'cascade' },
        position: { type: 'integer', nullable: false },
        description: { type: 'text', nullable: false },
        quantity: { type: 'numeric(10,3)', nullable: false, default: 1 },
        unit_price: { type: 'numeric(12,2)', nullable: false },
      },
      uniques: [['invoice_id', 'position']],
      checks: { invoice_lines_quantity_positive: 'quantity > 0' },
    },
    payments: {
      columns: {
        id: { type: 'bigserial', primaryKey: true },
        invoice_id: { type: 'bigint', nullable: false, references: 'invoices.id', onDelete: 'restrict', onUpdate: 'cascade' },
        amount: { type: 'numeric(12,2)', nullable: false },
        method: { type: 'varchar(32)', nullable: false },
        paid_at: { type: 'timestamptz', nullable: false, default: 'now()' },
        metadata: 'jsonb',
      },
      checks: { payments_amount_positive: 'amount > 0' },
      indexes: {
        payments_invoice: { columns: ['invoice_id'] },
      },
    },
    audit_log: {
      columns: {
        id: { type: 'bigint', identity: 'always', primaryKey: true },
        account_id: { type: 'bigint', references: 'accounts.id', onDelete: 'set null' },
        actor_id: { type: 'bigint', references: 'users.id', onDelete: 'set null' },
        action: { type: 'varchar(64)', nullable: false },
        payload: { type: 'jsonb', nullable: false, default: "'{}'" },
        created_at: createdAt,
      },
      indexes: {
        audit_log_account_created: { columns: ['account_id', { column: 'created_at', order: 'desc' }] },
      },
    },
    settings: {
      columns: {
        account_id: { type: 'bigint', nullable: false, references: 'accounts.id', onDelete: 'cascade' },
        key: { type: 'varchar(100)', nullable: false },
        value: { type: 'jsonb', nullable: false },
        updated_at: createdAt,
      },
      primaryKey: ['account_id', 'key'],
    },
    events: {
      columns: {
        id: { type: 'bigint', identity: 'always' },
        account_id: { type: 'bigint', nullable: false },
        at: { type: 'timestamptz', nullable: false, default: 'now()' },
        kind: { type: 'varchar(32)', nullable: false },
        payload: { type: 'jsonb', nullable: false, default: "'{}'" },
      },
      primaryKey: ['at', 'id'],
      partitionBy: 'RANGE (at)',
      indexes: {
        events_account_at: { columns: ['account_id', 'at'] },
      },
    },
    events_2024: {
      partitionOf: { table: 'events', bound: "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')" },
    },
    events_2025: {
      partitionOf: { table: 'events', bound: "FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2026-01-01 00:00:00+00')" },
    },
    events_other: {
      partitionOf: { table: 'events', bound: 'DEFAULT' },
    },
  },
  sql: `CREATE DOMAIN hex_color AS varchar(7) CHECK (VALUE ~ '^#[0-9a-f]{6}$');
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE FUNCTION invoice_balance(invoice bigint) RETURNS numeric LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(amount), 0) FROM payments WHERE invoice_id = invoice
$$;
CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE VIEW open_tasks AS
  SELECT t.id, t.project_id, t.assignee_id, t.title, t.status, t.due_at FROM tasks t WHERE t.status <> ALL (ARRAY['done', 'archived']::task_status[]);
CREATE VIEW unpaid_invoices AS
  SELECT i.id, i.account_id, i.number, i.total - invoice_balance(i.id) AS due FROM invoices i WHERE i.status = 'open';
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_of_account ON projects USING (account_id = current_setting('app.account_id', true)::bigint);
COMMENT ON VIEW open_tasks IS 'tasks not done yet';
`,
} as const;

/** The bench manifest plus the added column and its index. */
export const benchManifestWithAddedColumn = (): unknown => manifestWithAddedColumn(benchManifest);
