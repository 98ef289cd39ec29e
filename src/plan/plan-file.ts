import { createHash } from 'node:crypto';
import type { Change } from '../diff/changes.js';
import { canonicalJson } from '../model/canonical-json.js';
import type { EngineName } from '../domain/settings.js';
import type { HazardCode } from './hazards.js';
import { isDestructive } from './hazards.js';
import type { TenantDiff } from './plan-tenant.js';
import type { PlanStep, RenderChanges } from './step.js';

export interface PlanTenant {
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

export interface PlanFileStep extends PlanStep {
  /** Present on destructive steps: apply runs them only when true or with --allow-destructive. */
  readonly consent?: boolean;
}

/** Types, sequences and routines living in the tenant that the group's expressions name: they get its qualifier. */
export interface TenantObjects {
  readonly types: readonly string[];
  readonly sequences: readonly string[];
  /** Present when the tenant has routines. */
  readonly functions?: readonly string[];
}

/** Tenants whose change sets are identical: a reviewer reads the change once. */
export interface PlanGroup {
  readonly id: string;
  readonly tenants: readonly PlanTenant[];
  /** Text in the SQL that apply replaces with the tenant's quoted schema or database name. */
  readonly placeholder: string;
  readonly hazards: readonly HazardCode[];
  readonly changes: readonly Change[];
  /** What the renderer was told besides the changes, so apply can render them again and compare. */
  readonly tenantObjects: TenantObjects;
  readonly steps: readonly PlanFileStep[];
}

/** How the plan was rendered: apply renders each group again with these and compares. */
export interface PlanRenderOptions {
  readonly concurrentIndexes: boolean;
  readonly indexTimeoutMs: number;
  /** Grants were compared (the `grants` setting): the plan's fingerprints include them, so apply must read them too. */
  readonly grants?: true;
}

export interface PlanFile {
  readonly version: 1;
  readonly id: string;
  readonly engine: EngineName;
  readonly manifest: { readonly path: string; readonly digest: string; readonly commit?: string };
  readonly options: PlanRenderOptions;
  readonly summary: {
    readonly tenants: number;
    readonly changed: number;
    readonly inSync: number;
    readonly failed: number;
    readonly held?: number;
  };
  readonly groups: readonly PlanGroup[];
  readonly inSync: readonly string[];
  readonly failed: readonly { readonly tenant: string; readonly error: string }[];
  /** Tenants left out because they drifted since their last applied snapshot; present when any is. */
  readonly held?: readonly HeldTenant[];
}

/** A tenant the plan does not touch: its live schema changed out of band (three-way drift). */
export interface HeldTenant {
  readonly tenant: string;
  readonly status: 'drifted' | 'conflict';
  /** The out-of-band changes since the last applied snapshot, one line each. */
  readonly drift: readonly string[];
  readonly conflicts: readonly string[];
}

export interface BuildPlanInput {
  readonly engine: EngineName;
  readonly manifest: PlanFile['manifest'];
  readonly diffs: readonly TenantDiff[];
  readonly failed: readonly { tenant: string; error: string }[];
  readonly held?: readonly HeldTenant[];
  readonly render: RenderChanges;
  readonly renderOptions: PlanRenderOptions;
  /** Types and sequences per tenant that expressions may name (from current and desired). */
  readonly tenantObjects: (tenant: string) => TenantObjects;
  readonly allowDestructive: boolean;
}

const basePlaceholder = '{{tenant}}';

/** Groups tenants by identical changes and renders each group's SQL once. Deterministic. */
export function buildPlan(input: BuildPlanInput): PlanFile {
  const groups = new Map<string, { changes: readonly Change[]; objects: TenantObjects; tenants: PlanTenant[] }>();
  const inSync: string[] = [];
  for (const diff of input.diffs) {
    if (diff.changes.length === 0) {
      inSync.push(diff.tenant);
      continue;
    }
    const objects = input.tenantObjects(diff.tenant);
    const key = canonicalJson({ changes: diff.changes, objects });
    let group = groups.get(key);
    if (!group) {
      group = { changes: diff.changes, objects, tenants: [] };
      groups.set(key, group);
    }
    group.tenants.push({ name: diff.tenant, from: diff.from, to: diff.to });
  }

  const planGroups: PlanGroup[] = [...groups.values()].map((group) => {
    const rendered = renderGroup(group.changes, group.objects, input.renderOptions, input.render);
    const steps = rendered.steps.map((step): PlanFileStep => (isDestructive(step.hazards) ? { ...step, consent: input.allowDestructive } : step));
    const tenants = [...group.tenants].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      id: groupId(group.changes, group.objects, steps),
      tenants,
      placeholder: rendered.placeholder,
      hazards: groupHazards(steps),
      changes: group.changes,
      tenantObjects: group.objects,
      steps,
    };
  });
  planGroups.sort((a, b) => b.tenants.length - a.tenants.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const failed = [...input.failed].sort((a, b) => (a.tenant < b.tenant ? -1 : 1));
  const held = [...(input.held ?? [])].sort((a, b) => (a.tenant < b.tenant ? -1 : 1));
  const body = {
    version: 1 as const,
    engine: input.engine,
    manifest: input.manifest,
    options: {
      concurrentIndexes: input.renderOptions.concurrentIndexes,
      indexTimeoutMs: input.renderOptions.indexTimeoutMs,
      ...(input.renderOptions.grants === true && { grants: true as const }),
    },
    summary: {
      tenants: input.diffs.length + failed.length + held.length,
      changed: input.diffs.length - inSync.length,
      inSync: inSync.length,
      failed: failed.length,
      ...(held.length > 0 ? { held: held.length } : {}),
    },
    groups: planGroups,
    inSync: inSync.sort(),
    failed,
    ...(held.length > 0 ? { held } : {}),
  };
  const { version, ...rest } = body;
  return { version, id: planId(body), ...rest };
}

/**
 * The steps the planner renders for a group's changes, and the placeholder it chose. apply calls
 * it again to check that a plan file's SQL is exactly this (invariant 5).
 */
export function renderGroup(
  changes: readonly Change[],
  objects: TenantObjects,
  options: PlanRenderOptions,
  render: RenderChanges,
): { placeholder: string; steps: PlanStep[] } {
  const renderWith = (qualifier: string) =>
    render(changes, {
      ...options,
      qualifier,
      tenantTypes: objects.types,
      tenantSequences: objects.sequences,
      ...(objects.functions !== undefined && { tenantFunctions: objects.functions }),
    });
  const placeholder = choosePlaceholder(renderWith('"t"'));
  return { placeholder, steps: renderWith(placeholder) };
}

/** The hazard codes of a group's steps, sorted and without repeats. */
export function groupHazards(steps: readonly PlanStep[]): HazardCode[] {
  return [...new Set(steps.flatMap((s) => s.hazards.map((h) => h.code)))].sort();
}

/**
 * A plan's id: the digest of everything in it but the id and the consent flags a reviewer may
 * set. Apply recomputes it, so a plan edited by hand in any other way is refused.
 */
export function planId(plan: Omit<PlanFile, 'id'> | PlanFile): string {
  const { id: _id, ...body } = plan as PlanFile;
  const groups = body.groups.map((group) => ({ ...group, steps: group.steps.map(withoutConsent) }));
  return hash(canonicalJson({ ...body, groups })).slice(0, 16);
}

/**
 * A group's id: the digest of its changes, the renderer's inputs and the SQL as rendered, without
 * the consent flags a reviewer may set. Apply recomputes it to tell a group edited by hand from
 * one as planned.
 */
function groupId(changes: readonly Change[], objects: TenantObjects, steps: readonly PlanFileStep[]): string {
  return hash(canonicalJson({ changes, objects, steps: steps.map(withoutConsent) })).slice(0, 12);
}

function withoutConsent(step: PlanFileStep): PlanStep {
  const { consent: _consent, ...rest } = step;
  return rest;
}

/** True when the group's changes and SQL are still what plan wrote (consent flags aside). */
export function groupAsPlanned(group: PlanGroup): boolean {
  return groupId(group.changes, group.tenantObjects, group.steps) === group.id;
}

/**
 * The placeholder must not occur in the SQL for any other reason (an object named `{{tenant}}`
 * or a comment holding it), or apply's substitution would rewrite that text too.
 */
function choosePlaceholder(probe: readonly PlanStep[]): string {
  const text = probe.flatMap((s) => s.sql).join('\n');
  let placeholder = basePlaceholder;
  for (let n = 1; text.includes(placeholder); n++) placeholder = `{{tenant${n}}}`;
  return placeholder;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The SQL of one step for one tenant: the placeholder replaced by the tenant's quoted name. */
export function sqlForTenant(group: PlanGroup, step: PlanStep, qualifier: string): string[] {
  return step.sql.map((statement) => statement.split(group.placeholder).join(qualifier));
}
