export type { DesiredSchema, Exclusions } from './desired.js';
export { noExclusions } from './desired.js';
export { desiredFor, mergeExclusions, overrideApplies, withoutExcluded } from './desired-for.js';
export { isSqlManifest, loadSqlManifest } from './load-sql.js';
export { manifestDigest } from './digest.js';
export { formatIssue, ManifestError, type ManifestIssue } from './errors.js';
export { loadManifest, loadOverrides, parseManifest, parseOverride } from './load.js';
export {
  checkNameParts,
  columnsAddition,
  foreignKeyNameParts,
  makeObjectName,
  nameFromParts,
  primaryKeyNameParts,
  uniqueNameParts,
  type NameParts,
} from './names.js';
export type * from './spec.js';
export { schemaDirectory } from './validate.js';
export { adoptedManifest, defaultManifestSchemaUrl, writeManifest, type WriteManifestOptions } from './write.js';
export { canonicalJson } from '../model/canonical-json.js';
export { parseCheckedYaml } from './checked-yaml.js';
