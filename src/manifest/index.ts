export { desiredFor, mergeExclusions, overrideApplies, withoutExcluded } from './desired-for.js';
export { isSqlManifest, loadSqlManifest } from './load-sql.js';
export { manifestDigest } from './digest.js';
export { formatIssue, ManifestError, type ManifestIssue } from '../yaml/errors.js';
export { loadManifest, loadOverrides, parseManifest, parseOverride } from './load.js';
export type * from './spec.js';
export { adoptedManifest, defaultManifestSchemaUrl, writeManifest, type WriteManifestOptions } from './write.js';
export { canonicalJson } from '../model/canonical-json.js';
export { parseCheckedYaml } from '../yaml/checked-yaml.js';
