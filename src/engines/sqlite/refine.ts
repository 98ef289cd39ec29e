/** Changes SQLite's ALTER TABLE cannot make are folded into one rebuild of the table. */
export { refineChanges } from './internal/rebuild.js';
