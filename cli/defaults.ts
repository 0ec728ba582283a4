// Defaults that the CLI's help shows, kept apart from the commands that use them so that
// printing help loads no command.

/** Where `gridbox demo` writes its report unless --report says otherwise (`.gridbox/` is git-ignored). */
export const DEFAULT_DEMO_REPORT_DIR = '.gridbox/reports/smoke';

/** Where `gridbox bench NAME` writes its report unless --report says otherwise. */
export const defaultBenchReportDir = (profile: string) => `.gridbox/reports/bench-${profile}`;
