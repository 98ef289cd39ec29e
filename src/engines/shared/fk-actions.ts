import type { FkAction } from '../../model/types.js';

/** A foreign key's ON DELETE / ON UPDATE action as SQL spells it, in every engine. */
export const fkActions: Readonly<Record<FkAction, string>> = {
  'no action': 'NO ACTION',
  restrict: 'RESTRICT',
  cascade: 'CASCADE',
  'set null': 'SET NULL',
  'set default': 'SET DEFAULT',
};
