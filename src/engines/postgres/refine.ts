export { refineChanges } from './internal/refine.js';
