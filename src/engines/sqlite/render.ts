export { renderChanges } from './internal/render.js';
