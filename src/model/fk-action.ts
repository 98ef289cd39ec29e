import type { FkAction } from './types.js';

const actions: readonly FkAction[] = ['no action', 'restrict', 'cascade', 'set null', 'set default'];

/** `SET_NULL`, `Set Null`, `set null` -> 'set null'; anything else is the default, 'no action'. */
export function parseFkAction(value: unknown): FkAction {
  const text = typeof value === 'string' ? value.trim().toLowerCase().replace(/[\s_]+/g, ' ') : '';
  return actions.find((a) => a === text) ?? 'no action';
}
