import type { BenchResult } from './bench-model.ts';

/** Ratios B/A of one figure; null when A's is zero (no ratio to speak of). */
type Ratio = number | null;

/** `gridbox bench compare A B`: each figure of B over A's, per route where routes agree. */
export interface BenchComparison {
  a: { profile: string; backlog_jobs: number };
  b: { profile: string; backlog_jobs: number };
  requests_per_s: Ratio;
  matches_per_s: Ratio;
  cpu_ms_per_request: Ratio;
  routes: Record<string, { requests_per_s: Ratio; p50_ms: Ratio; p95_ms: Ratio; p99_ms: Ratio }>;
}

const ratio = (a: number | null | undefined, b: number | null | undefined): Ratio =>
  a === null || a === undefined || b === null || b === undefined || a === 0
    ? null
    : Math.round((b / a) * 1000) / 1000;

/** Compares two runs: ratios of B to A, for the routes both measured. */
export function compareBench(a: BenchResult, b: BenchResult): BenchComparison {
  const routes: BenchComparison['routes'] = {};
  for (const [route, ra] of Object.entries(a.routes)) {
    const rb = b.routes[route];
    if (rb === undefined) continue;
    routes[route] = {
      requests_per_s: ratio(ra.requests_per_s, rb.requests_per_s),
      p50_ms: ratio(ra.p50_ms, rb.p50_ms),
      p95_ms: ratio(ra.p95_ms, rb.p95_ms),
      p99_ms: ratio(ra.p99_ms, rb.p99_ms),
    };
  }
  return {
    a: { profile: a.profile, backlog_jobs: a.backlog_jobs },
    b: { profile: b.profile, backlog_jobs: b.backlog_jobs },
    requests_per_s: ratio(a.requests_per_s, b.requests_per_s),
    matches_per_s: ratio(a.matches_per_s, b.matches_per_s),
    cpu_ms_per_request: ratio(a.cpu_ms_per_request, b.cpu_ms_per_request),
    routes,
  };
}

/** The comparison as text, ratios first: absolute figures move between runs, ratios less. */
export function formatComparison(comparison: BenchComparison): string {
  const show = (r: Ratio) => (r === null ? 'n/a' : `×${r}`);
  return `${[
    `B/A: requests/s ${show(comparison.requests_per_s)}, matches/s ${show(comparison.matches_per_s)}, CPU per request ${show(comparison.cpu_ms_per_request)}`,
    ...Object.entries(comparison.routes).map(
      ([route, r]) =>
        `  ${route}: requests/s ${show(r.requests_per_s)}  p50 ${show(r.p50_ms)}  p95 ${show(r.p95_ms)}  p99 ${show(r.p99_ms)}`,
    ),
    `  A: ${comparison.a.profile}, backlog ${comparison.a.backlog_jobs}; B: ${comparison.b.profile}, backlog ${comparison.b.backlog_jobs}`,
  ].join('\n')}\n`;
}
