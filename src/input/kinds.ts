/**
 * Which command printed a saved JSON document, recognised by shape, so that a reader given the
 * wrong kind can say what it got and what it takes (rather than failing on a missing field).
 */

export type DocumentKind = 'run' | 'check' | 'simulate' | 'shrink' | 'suite' | 'matrix' | 'cost' | 'report-data' | 'several';

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function documentKind(v: unknown): DocumentKind | undefined {
  if (!isObj(v)) return undefined;
  if (typeof v.format === 'string' && typeof v.title === 'string') return 'report-data';
  if (Array.isArray(v.rows) && isObj(v.oracle)) return 'cost';
  if (Array.isArray(v.cells)) return 'matrix';
  if (Array.isArray(v.scenarios) && Array.isArray(v.checks)) return 'suite';
  if (Array.isArray(v.runs) || Array.isArray(v.results)) return 'several';
  if (typeof v.tests === 'number' && Array.isArray(v.removed)) return 'shrink';
  if (typeof v.runs === 'number' && 'swarm' in v) return 'simulate';
  if (typeof v.scenario === 'string' && Array.isArray(v.trace)) return 'run';
  if (isObj(v.bounds) && typeof v.verdict === 'string') return 'check';
  return undefined;
}

/** How a kind is named in sentences: "a `cost --json` document". */
export function kindName(k: DocumentKind | undefined): string {
  if (k === undefined) return 'not a document fpctx prints';
  if (k === 'report-data') return 'a `report --data` document';
  if (k === 'several') return "a document of several variants' results";
  return `a \`${k} --json\` document`;
}
