import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuditReport } from '../workflow/audit-tenants.js';

export interface DriftReportFiles {
  readonly json: string;
  readonly markdown: string;
}

export interface DriftReportContext {
  readonly at: string;
  readonly ref?: string;
  readonly commit?: string;
}

/** drift.json and drift.md in `dir`, each replaced whole so a reader never sees half of one. */
export async function writeDriftReport(dir: string, report: AuditReport, context: DriftReportContext): Promise<DriftReportFiles> {
  await mkdir(dir, { recursive: true });
  const notInSync = report.tenants.filter((t) => t.status !== 'in-sync');
  const json = {
    ...context,
    summary: report.summary,
    tenants: notInSync.map((t) => ({
      tenant: t.tenant,
      status: t.status,
      ...(t.status !== 'error' ? { differences: t.differences } : {}),
      ...(t.drift.length > 0 ? { drift: t.drift } : {}),
      ...(t.conflicts.length > 0 ? { conflicts: t.conflicts } : {}),
      ...(t.error !== undefined ? { error: t.error } : {}),
    })),
  };
  const files = { json: path.join(dir, 'drift.json'), markdown: path.join(dir, 'drift.md') };
  await replace(files.json, JSON.stringify(json, null, 2) + '\n');
  await replace(files.markdown, driftMarkdown(report, context));
  return files;
}

function driftMarkdown(report: AuditReport, context: DriftReportContext): string {
  const s = report.summary;
  const lines = [`# schema-sync drift report`, ''];
  lines.push(`${context.at}${context.ref ? `, ${context.ref}` : ''}${context.commit ? ` at \`${context.commit.slice(0, 12)}\`` : ''}`, '');
  lines.push(`| tenants | in sync | pending | drifted | conflict | unreadable |`, '| --- | --- | --- | --- | --- | --- |');
  lines.push(`| ${s.total} | ${s.inSync} | ${s.pending} | ${s.drifted} | ${s.conflicts} | ${s.errors} |`);
  for (const t of report.tenants) {
    if (t.status === 'in-sync') continue;
    lines.push('', `## \`${t.tenant}\`: ${t.status}`, '');
    if (t.error !== undefined) lines.push(t.error);
    if (t.conflicts.length > 0) lines.push(`Conflict on ${t.conflicts.map((c) => `\`${c}\``).join(', ')}.`, '');
    if (t.drift.length > 0) {
      lines.push('Changed out of band since the last apply:', '');
      for (const d of t.drift) lines.push(`- ${d}`);
      lines.push('', 'To converge to the desired schema:', '');
    }
    for (const d of t.differences) lines.push(`- ${d}`);
  }
  return lines.join('\n') + '\n';
}

async function replace(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}
