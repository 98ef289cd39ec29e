// The desired schema of every SQLite bench tenant: the same dozen tables of a small SaaS product
// as the PostgreSQL bench (bench/manifest.ts), written the way a SQLite user writes them: INTEGER
// primary keys (rowid aliases), text/real/integer/boolean/numeric columns with defaults, foreign
// keys with actions, uniques, checks, a partial and an expression index, a NOCASE collation, a
// WITHOUT ROWID table. No enums, arrays or sequences: SQLite has none.
import { manifestWithAddedColumn } from '../../added-column.js';

const createdAt = { type: 'text', nullable: false, default: 'CURRENT_TIMESTAMP' } as const;
const id = { type: 'integer', primaryKey: true } as const;

export const sqliteBenchManifest = {
  version: 1,
  tables: {
    accounts: {
      columns: {
        id,
        name: { type: 'text', nullable: false },
        slug: { type: 'text', nullable: false, unique: true },
        plan: { type: 'text', nullable: false, default: "'free'" },
        balance: { type: 'numeric', nullable: false, default: 0 },
        created_at: createdAt,
      },
      checks: { accounts_balance_not_negative: 'balance >= 0' },
    },
    users: {
      columns: {
        id,
        account_id: { type: 'integer', nullable: false, references: 'accounts.id', onDelete: 'cascade' },
        email: { type: 'text', nullable: false },
        display_name: 'text',
        is_admin: { type: 'boolean', nullable: false, default: false },
        preferences: { type: 'text', nullable: false, default: "'{}'" },
        created_at: createdAt,
        deleted_at: 'text',
      },
      uniques: [['account_id', 'email']],
      indexes: {
        users_lower_email: { columns: ['lower(email)'], where: 'deleted_at IS NULL' },
      },
    },
    projects: {
      columns: {
        id,
        account_id: { type: 'integer', nullable: false, references: 'accounts.id', onDelete: 'cascade' },
        name: { type: 'text', nullable: false },
        description: 'text',
        archived: { type: 'boolean', nullable: false, default: false },
        created_at: createdAt,
      },
      uniques: [['account_id', 'name']],
      indexes: {
        projects_active: { columns: ['account_id'], where: 'archived = 0' },
      },
    },
    tasks: {
      columns: {
        id,
        project_id: { type: 'integer', nullable: false, references: 'projects.id', onDelete: 'cascade' },
        assignee_id: { type: 'integer', references: 'users.id', onDelete: 'set null' },
        title: { type: 'text', nullable: false },
        body: 'text',
        status: { type: 'text', nullable: false, default: "'todo'" },
        priority: { type: 'integer', nullable: false, default: 0 },
        estimate: 'real',
        due_at: 'text',
        created_at: createdAt,
        updated_at: createdAt,
      },
      checks: {
        tasks_priority_range: 'priority BETWEEN 0 AND 5',
        tasks_status_known: "status IN ('todo', 'doing', 'review', 'done', 'archived')",
      },
      indexes: {
        tasks_project_status: { columns: ['project_id', 'status'] },
        tasks_assignee_due: { columns: ['assignee_id', 'due_at DESC'] },
      },
    },
    comments: {
      columns: {
        id,
        task_id: { type: 'integer', nullable: false, references: 'tasks.id', onDelete: 'cascade' },
        author_id: { type: 'integer', references: 'users.id', onDelete: 'set null' },
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
        id,
        account_id: { type: 'integer', nullable: false, references: 'accounts.id', onDelete: 'cascade' },
        name: { type: 'text', nullable: false, collation: 'NOCASE' },
        color: { type: 'text', nullable: false, default: "'#cccccc'" },
      },
      uniques: [['account_id', 'name']],
    },
    task_tags: {
      columns: {
        task_id: { type: 'integer', nullable: false, references: 'tasks.id', onDelete: 'cascade' },
        tag_id: { type: 'integer', nullable: false, references: 'tags.id', onDelete: 'cascade' },
        created_at: createdAt,
      },
      primaryKey: ['task_id', 'tag_id'],
      options: { withoutRowid: true },
    },
    invoices: {
      columns: {
        id,
        account_id: { type: 'integer', nullable: false, references: 'accounts.id', onDelete: 'restrict' },
        number: { type: 'text', nullable: false, unique: true },
        status: { type: 'text', nullable: false, default: "'draft'" },
        total: { type: 'numeric', nullable: false, default: 0 },
        currency: { type: 'text', nullable: false, default: "'EUR'" },
        issued_at: 'text',
        due_at: 'text',
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
        id,
        invoice_id: { type: 'integer', nullable: false, references: 'invoices.id', onDelete: 'cascade' },
        position: { type: 'integer', nullable: false },
        description: { type: 'text', nullable: false },
        quantity: { type: 'real', nullable: false, default: 1 },
        unit_price: { type: 'numeric', nullable: false },
      },
      uniques: [['invoice_id', 'position']],
      checks: { invoice_lines_quantity_positive: 'quantity > 0' },
    },
    payments: {
      columns: {
        id,
        invoice_id: { type: 'integer', nullable: false, references: 'invoices.id', onDelete: 'restrict', onUpdate: 'cascade' },
        amount: { type: 'numeric', nullable: false },
        method: { type: 'text', nullable: false },
        paid_at: createdAt,
        metadata: 'text',
      },
      checks: { payments_amount_positive: 'amount > 0' },
      indexes: {
        payments_invoice: { columns: ['invoice_id'] },
      },
    },
    audit_log: {
      columns: {
        id,
        account_id: { type: 'integer', references: 'accounts.id', onDelete: 'set null' },
        actor_id: { type: 'integer', references: 'users.id', onDelete: 'set null' },
        action: { type: 'text', nullable: false },
        payload: { type: 'text', nullable: false, default: "'{}'" },
        created_at: createdAt,
      },
      indexes: {
        audit_log_account_created: { columns: ['account_id', 'created_at DESC'] },
      },
    },
    settings: {
      columns: {
        account_id: { type: 'integer', nullable: false, references: 'accounts.id', onDelete: 'cascade' },
        key: { type: 'text', nullable: false },
        value: { type: 'text', nullable: false },
        updated_at: createdAt,
      },
      primaryKey: ['account_id', 'key'],
    },
  },
} as const;

export function sqliteManifestWithAddedColumn(): unknown {
  return manifestWithAddedColumn(sqliteBenchManifest);
}
