/**
 * Deprecated: the application layer moved to src/app (check, simulate, shrink, worker recipes).
 * This re-export keeps branches written against the old path compiling; import src/app/*.
 */

export * from '../app/check.js';
export * from '../app/recipes.js';
export * from '../app/shrink.js';
export * from '../app/simulate.js';
