import { inspect } from 'node:util';
import { Command, CommanderError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { FIXTURE_SIZE_NAMES } from '../fixtures/sizes.ts';
import { UsageError } from '../services/core/errors.ts';
import { DIRAC_OPTIONS } from '../sim/timing.ts';
import type { BenchFlags } from './commands/bench.ts';
import type { CaFlags } from './commands/ca.ts';
import type { DemoFlags } from './commands/demo.ts';
import type { ImagesFlags } from './commands/images.ts';
import type { ScenarioRunFlags } from './commands/scenario.ts';
import type { SimFlags } from './commands/sim.ts';
import type { LoginFlags } from './commands/token.ts';
import type { ValidateFlags } from './commands/validate-extension.ts';
import { DEFAULT_DEMO_REPORT_DIR } from './defaults.ts';
import type { Io } from './io.ts';
import type { SettingFlag } from './setting-flags.ts';
import { startupProgress } from './startup-progress.ts';
import settingFlagsJson from './setting-flags.json' with { type: 'json' };

// Only what declaring the commands and their options needs is imported above; each command's
// module (and the services behind it) is imported when that command runs, so `--version`,
// `--help` and a usage error load none of them.

/** Exit codes, as ESLint documents them: success, a failed check, a usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/**
 * Runs the gridbox command line and returns the exit code. Only the bin sets
 * `process.exitCode`, so nothing here cuts output short or skips cleanup.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode = EXIT_OK;
  const run = async (action: () => Promise<number>) => {
    exitCode = await action();
  };
  // One line per command: its module, imported only when the command runs.
  const program = createProgram(io, {
    up: (flags) =>
      run(async () => {
        // The import alone can take seconds on a loaded machine: say so.
        const progress = startupProgress(io, 'loading gridbox');
        try {
          return await (await import('./commands/up.ts')).up(flags, io, progress);
        } finally {
          progress.done();
        }
      }),
    demo: (flags) => run(async () => (await import('./commands/demo.ts')).demo(flags, io)),
    generate: (flags) =>
      run(async () => (await import('./commands/fixtures.ts')).generate(flags, io)),
    ca: (command, flags) =>
      run(async () => {
        const { caInit, caHost, caUser, caProxy } = await import('./commands/ca.ts');
        return { init: caInit, host: caHost, user: caUser, proxy: caProxy }[command](flags, io);
      }),
    token: (flags) => run(async () => (await import('./commands/token.ts')).token(flags, io)),
    login: (flags) => run(async () => (await import('./commands/token.ts')).login(flags, io)),
    sim: (flags) => run(async () => (await import('./commands/sim.ts')).sim(flags, io)),
    scenarioList: (flags) =>
      run(async () => (await import('./commands/scenario.ts')).scenarioList(flags, io)),
    validateExtension: (specs, flags) =>
      run(async () =>
        (await import('./commands/validate-extension.ts')).validateExtension(specs, flags, io),
      ),
    scenarioRun: (name, flags) =>
      run(async () => (await import('./commands/scenario.ts')).scenarioRun(name, flags, io)),
    bench: (name, flags) =>
      run(async () => (await import('./commands/bench.ts')).bench(name, flags, io)),
    benchCompare: (a, b, flags) =>
      run(async () => (await import('./commands/bench.ts')).benchCompare(a, b, flags, io)),
    images: (command, flags) =>
      run(async () => {
        const { imagesBuild, imagesList } = await import('./commands/images.ts');
        return (command === 'build' ? imagesBuild : imagesList)(flags, io);
      }),
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io, program.opts<{ debug?: boolean }>().debug === true);
  }
}

const CA_COMMANDS = ['init', 'host', 'user', 'proxy'] as const;

interface Actions {
  up(flags: Record<string, string | boolean>): Promise<void>;
  demo(flags: DemoFlags): Promise<void>;
  generate(flags: Record<string, string>): Promise<void>;
  ca(command: (typeof CA_COMMANDS)[number], flags: CaFlags): Promise<void>;
  token(flags: LoginFlags): Promise<void>;
  login(flags: LoginFlags): Promise<void>;
  sim(flags: SimFlags): Promise<void>;
  scenarioList(flags: { json?: boolean }): Promise<void>;
  validateExtension(specs: string[], flags: ValidateFlags): Promise<void>;
  scenarioRun(name: string, flags: ScenarioRunFlags): Promise<void>;
  images(command: 'build' | 'list', flags: ImagesFlags): Promise<void>;
  bench(name: string, flags: BenchFlags): Promise<void>;
  benchCompare(a: string, b: string, flags: { json?: boolean }): Promise<void>;
}

function createProgram(io: Io, actions: Actions): Command {
  const program = new Command('gridbox')
    .description(
      'A grid in a box for DIRAC/DiracX: the DiracX services, identity, sites and load tests.',
    )
    .version(packageJson.version)
    .option('--debug', 'print stack traces of unexpected errors')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  const upCommand = program
    .command('up')
    .description('Start the box and serve the DiracX API until interrupted.')
    .option('--json', 'print the ready line as JSON (the default when stdout is not a terminal)')
    .addHelpText(
      'after',
      `\nEvery option can also be set in the environment (${envName('port')}…); see docs/settings.md.`,
    )
    .action(actions.up);
  addSettingOptions(upCommand);

  addSettingOptions(
    program
      .command('demo')
      .description(
        'What npm start runs: start the box as up does, run the smoke scenario against it, write its report, then serve until interrupted.',
      )
      .option('--once', 'exit after the report: 0 if smoke passed, 1 if not')
      .option(
        '--report <dir>',
        `folder of the JSON and HTML reports (default ${DEFAULT_DEMO_REPORT_DIR})`,
      )
      .addHelpText(
        'after',
        `\nThe box options are up's (${envName('port')}…; see docs/settings.md); logs default to warn.`,
      )
      .action(actions.demo),
  );

  const fixtures = program
    .command('fixtures')
    .description('Generate the data a box is seeded with.');
  fixtures
    .command('generate')
    .description('Write a fixture set (configuration and users) as YAML or JSON.')
    .option('--seed <n>', 'seed of the generator; the same seed gives the same bytes', undefined)
    .addOption(new Option('--size <name>', 'how much to generate').choices(FIXTURE_SIZE_NAMES))
    .option('--out <file>', 'write to this file instead of stdout (format from its extension)')
    .addOption(new Option('--format <format>', 'yaml or json').choices(['yaml', 'json']))
    .action(actions.generate);

  const ca = program
    .command('ca')
    .description(
      "Manage the box's certificate authority: root, host, user and proxy certificates.",
    );
  const caCommand = (name: (typeof CA_COMMANDS)[number], description: string) =>
    ca
      .command(name)
      .description(description)
      .option('--ca-dir <dir>', 'folder of the CA (default .gridbox/ca, or GRIDBOX_CA_DIR)')
      .action((flags: CaFlags) => actions.ca(name, flags));
  caCommand('init', 'Create the root CA, once; print the path of its certificate.');
  caCommand(
    'host',
    'Issue a TLS server certificate; print the paths of certificate and key.',
  ).option(
    '--name <name...>',
    'host names and IP addresses to cover (default localhost 127.0.0.1 ::1)',
  );
  for (const [name, description] of [
    ['user', "Issue a fixture user's certificate; print the paths of certificate and key."],
    ['proxy', 'Issue an RFC 3820 proxy carrying a DIRAC group; print its path.'],
  ] as const) {
    const command = caCommand(name, description)
      .option('--user <name>', 'a user of the fixtures')
      .option('--seed <n>', 'seed of the fixtures the user comes from')
      .addOption(
        new Option('--fixtures <size>', 'size of those fixtures').choices(FIXTURE_SIZE_NAMES),
      )
      .option('--config-file <file>', 'a fixture file to take the user from instead');
    if (name === 'proxy') {
      command
        .option('--group <group>', "DIRAC group to carry (default: the VO's default group)")
        .option('--lifetime-hours <h>', 'hours the proxy is valid (default 12)');
    }
  }
  const serverOptions = (command: Command) =>
    command
      .option('--url <url>', 'the DiracX server (default DIRACX_URL, else http://127.0.0.1:8000)')
      .option('--ca-bundle <file>', 'CA certificates to trust for HTTPS (default DIRACX_CA_PATH)')
      .option('--group <group>', "DIRAC group to ask for (default: the VO's default group)");
  serverOptions(
    program
      .command('token')
      .description('Log a fixture user in through the real device flow; print the access token.')
      .option('--user <name>', 'a user of the fixtures (required)')
      .option(
        '--box <file>',
        "the ready line of `gridbox up --json` saved to a file (- for stdin): the box's URL, users and passwords, whatever its seed",
      )
      .option('--vo <vo>', "VO to ask for (default: the user's)")
      .option('--seed <n>', 'seed of the fixtures the user comes from')
      .addOption(
        new Option('--fixtures <size>', 'size of those fixtures').choices(FIXTURE_SIZE_NAMES),
      )
      .option('--config-file <file>', 'a fixture file to take the user from instead'),
  ).action(actions.token);
  serverOptions(
    program
      .command('login')
      .description(
        'Log in interactively through the device flow; store the tokens for DiracX clients.',
      )
      .option('--vo <vo>', 'VO to log in to (required)'),
  ).action(actions.login);

  program
    .command('sim')
    .description(
      'Run a workload on a simulated grid (sites, CEs, pilots, SEs, catalog) and summarise it.',
    )
    .option(
      '--target <url>',
      "drive this DiracX-compatible server (its own grid configuration; token from DIRACX_TOKEN or DiracX's credentials file) instead of a box of its own",
    )
    .option(
      '--ca-bundle <file>',
      'CA certificates to trust for an HTTPS --target (default DIRACX_CA_PATH)',
    )
    .option(
      '--config-file <file>',
      'a fixture file (as `gridbox up --config-file` serves) shaping the own box and grid',
    )
    .option('--sites <n>', "number of sites (default: the fixtures' own)")
    .option(
      '--slots-per-queue <min-max>',
      "the range each queue's MaxTotalJobs is drawn from (default: the fixtures' own; large: 10-200)",
    )
    .option(
      '--dirac-option <Agent/Option=value>',
      `a DIRAC agent option of the simulated grid, by its configuration name (repeatable): ${Object.keys(DIRAC_OPTIONS).join(', ')}`,
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--jobs <n>', 'jobs to submit (default 200)')
    .addOption(
      new Option(
        '--workload <shape>',
        "the jobs: uniform (default; user jobs of 0.5-4 h) or lhcb-like (LHCb's job types in their production shares, production submitted as parametric JDLs of 20)",
      ).choices(['uniform', 'lhcb-like']),
    )
    .option('--seed <n>', 'seed of fixtures and simulation; the same seed replays the run')
    .option(
      '--fixtures <name>',
      `fixture set shaping the grid: ${FIXTURE_SIZE_NAMES.join(', ')}, or one of an extension`,
    )
    .option(
      '--extension <path>',
      "load an extension into the run's own box; its fixture sets can then be named (repeatable)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--virtual', 'virtual time, in process: as fast as the services answer')
    .option('--json', 'print the summary as one JSON object')
    .option(
      '--progress',
      'jobs done / total, rate and ETA on stderr (always when stderr is a terminal)',
    )
    .addOption(
      new Option(
        '--transport <kind>',
        'how to reach the own box (default: direct with --virtual, http otherwise)',
      ).choices(['direct', 'inject', 'http']),
    )
    .addOption(
      new Option('--storage <mode>', 'storage elements in memory or on loopback HTTP').choices([
        'memory',
        'http',
      ]),
    )
    .option('--speedup <n>', 'model seconds per clock second (default 1 virtual, 1000 real time)')
    .option('--events <file>', 'write the event log (JSON lines) to this file')
    .option(
      '--report <dir>',
      'write sim.json and a self-contained index.html (throughput, queues, matcher latency, DB size, wall cost over simulated time) here',
    )
    .option('--max-hours <h>', 'stop after this much simulated time (default 720)')
    .option(
      '--payload-failure <p>',
      "probability that a payload fails, for jobs whose JDL gives none (lhcb-like jobs carry their type's; default 0.02)",
    )
    .option('--node-crash <p>', 'probability that a worker node dies under a job (default 0.005)')
    .action(actions.sim);

  const scenario = program
    .command('scenario')
    .description('Scripted grid runs with faults and checks, reported as JSON, JUnit and HTML.');
  scenario
    .command('list')
    .description('List the scenarios of the library.')
    .option('--json', 'print the list as JSON')
    .action(actions.scenarioList);
  scenario
    .command('run')
    .description(
      'Run a scenario against a box of its own or a --target server; exit 0 when every check holds, 1 when one fails.',
    )
    .argument(
      '<name>',
      'a scenario of the library (gridbox scenario list), or a file exporting one',
    )
    .option('--target <url>', 'drive this DiracX-compatible server (token from DIRACX_TOKEN)')
    .option(
      '--extension <path>',
      "load an extension into the run's own box; its scenarios can then be run by name (repeatable)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--seed <n>', 'seed of fixtures and run; the same seed replays the run (default 1)')
    .option(
      '--fixtures <name>',
      `fixture set shaping the grid: ${FIXTURE_SIZE_NAMES.join(', ')} (default small), or one of an extension`,
    )
    .option('--virtual', 'virtual time, in process: as fast as the services answer')
    .option('--junit <file>', 'write a JUnit XML report (one test case per check)')
    .option('--report <dir>', 'write report.json and a self-contained index.html here')
    .option('--events <file>', 'write the event log (JSON lines) to this file')
    .option('--json', 'print the outcome as one JSON object')
    .action(actions.scenarioRun);

  program
    .command('validate-extension')
    .description(
      'Run the scenario library, the extensions’ own scenarios, the authorization matrix and the DB conformance kits on a box with the extensions, and report what they change; exit 0 when everything passes.',
    )
    .argument('[extension...]', 'extension folders or installed package names')
    .option(
      '--target <url>',
      'a DiracX with its extension installed: run the library there (token from DIRACX_TOKEN)',
    )
    .option('--seed <n>', 'seed of fixtures and runs (default 1)')
    .option(
      '--config-file <file>',
      'a fixture file (as `gridbox up --config-file` serves) for the boxes, scenarios and authorization matrix',
    )
    .option('--only <names>', 'run only these scenarios (comma-separated)')
    .option('--junit <file>', 'write one JUnit XML file with a test suite per scenario')
    .option('--report <dir>', 'write validation.json and each scenario’s report here')
    .option('--json', 'print the outcome as one JSON object')
    .action(actions.validateExtension);

  const bench = program
    .command('bench')
    .description(
      'Load-test a box of its own or a --target server with a profile; exit 1 when a threshold is missed.',
    )
    .argument(
      '<name>',
      'a profile of loadtests/profiles (matching, matching-hot-site, api-mix, auth), or a JSON file',
    )
    .option(
      '--target <url>',
      'load this DiracX-compatible server, seeded through its API (token from DIRACX_TOKEN or the credentials file)',
    )
    .option('--backlog <n>', "jobs to submit first (default: the profile's); a list sweeps")
    .option('--duration <s>', "seconds of measured load (default: the profile's)")
    .option('--rate <r>', "requests per second over all routes (default: the profile's)")
    .option(
      '--report <dir>',
      'write bench.json and a self-contained bench.html here (default .gridbox/reports/bench-NAME)',
    )
    .option('--baseline <file>', "an earlier run's bench.json: report ratios against it")
    .option('--json', 'print the result as one JSON object')
    .option(
      '--profile <name>',
      "where the run's own box keeps its databases: embedded, containers or external (as gridbox up)",
    )
    .action(actions.bench);
  bench
    .command('compare')
    .description('Compare two runs offline: ratios B/A of throughput and latency per route.')
    .argument('<a>', "the first run's JSON (bench.json or --json output)")
    .argument('<b>', "the second run's JSON")
    .option('--json', 'print the comparison as one JSON object')
    // Commander hands a --json after `compare` to `bench`, which declares one too.
    .action((a: string, b: string, flags: { json?: boolean }) =>
      actions.benchCompare(a, b, { json: flags.json ?? bench.opts<{ json?: boolean }>().json }),
    );

  const images = program
    .command('images')
    .description(
      "The containers profile's local images (MariaDB, OpenSearch), for machines without a registry.",
    );
  images
    .command('build')
    .description('Build the local images that are missing; print their tags.')
    .option('--json', 'print {"mysql", "opensearch", "built", "reused"} as one JSON object')
    .action((flags: ImagesFlags) => actions.images('build', flags));
  images
    .command('list')
    .description("Print the local images' tags and whether each is present.")
    .option('--json', 'print the list as one JSON object')
    .action((flags: ImagesFlags) => actions.images('list', flags));
  return program;
}

const SETTING_FLAGS = settingFlagsJson as readonly SettingFlag[];

/** The environment variable of a setting, for help texts. */
function envName(key: string): string {
  return SETTING_FLAGS.find((setting) => setting.key === key)?.env ?? key;
}

/** Every setting of the box as an option (`up` and `demo` start the same box). */
function addSettingOptions(command: Command): void {
  for (const setting of SETTING_FLAGS) {
    const option = new Option(setting.flags, setting.description);
    // A list setting (--extension) is repeatable: each use adds one item.
    if (setting.repeatable)
      option.argParser((value: string, previous: string[] | undefined) => [
        ...(previous ?? []),
        value,
      ]);
    command.addOption(setting.choices === undefined ? option : option.choices(setting.choices));
  }
}

function reportError(error: unknown, io: Io, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message or the help text.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`gridbox: ${sentence(error.message)}\n`);
    return EXIT_USAGE;
  }
  let message = error instanceof Error ? error.message : String(error);
  // "migration … failed" and the like wrap what went wrong: say it too.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error && !message.includes(cause.message)) message += `: ${cause.message}`;
  io.stderr.write(`gridbox: unexpected error: ${sentence(message)}\n`);
  // inspect() shows the causes' stacks as well, which error.stack leaves out.
  if (debug && error instanceof Error) io.stderr.write(`${inspect(error)}\n`);
  else io.stderr.write('gridbox: run again with --debug for the stack trace.\n');
  return EXIT_FAILED;
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
