/**
 * The images of the containers profile, built here where no image registry is reachable:
 * a Debian base made by mmdebstrap, MariaDB from Debian (for `mysqlImage`) and OpenSearch from
 * Maven Central (for `opensearchImage`). See docs/containers.md, Images.
 *
 * Each tag is the first 12 hex digits of the SHA-256 of the image's inputs, so an image is
 * rebuilt exactly when a recipe changes, and a machine that has built it once reuses it.
 * Only the docker CLI is used (spawned), the way a person would build them.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { type Dirent, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../services/core/index.ts';

/** The Debian release every image is built on. */
export const IMAGE_SUITE = 'bookworm';
/** OpenSearch from Maven Central: `org.opensearch.distribution.integ-test-zip:opensearch`. */
export const OPENSEARCH_VERSION = '2.19.6';
/** The published SHA-512 of that zip, checked inside the build. */
export const OPENSEARCH_ZIP_SHA512 =
  '8adbfaa13162b8d42b388ece6b39bfb7f1a349ab9c128d4eced78ba1dd43b5a10850b43b8aac19fa5ab11f4d5c355ddf6f6617514d6112b0936a1903005d1d36';

/**
 * The folder of the recipes (base/, mariadb/, opensearch/): beside this module in a checkout,
 * and `containers/` beside `dist/` in the installed package, where this module is bundled.
 */
export const CONTAINERS_DIR = fileURLToPath(
  new URL(
    existsSync(new URL('./mariadb/', import.meta.url)) ? '.' : '../containers/',
    import.meta.url,
  ),
);

export type ImageKind = 'base' | 'mysql' | 'opensearch';
/** The images a box uses; the base image only serves to build them. */
export type ServiceImageKind = Exclude<ImageKind, 'base'>;

const IMAGE_NAMES: Record<ImageKind, string> = {
  base: 'gridbox-base',
  mysql: 'gridbox-mariadb',
  opensearch: 'gridbox-opensearch',
};

export interface ImageSpec {
  readonly kind: ImageKind;
  /** `name:hash`, as given to docker. */
  readonly tag: string;
  /** The recipe's folder. */
  readonly dir: string;
}

export type ImagePlan = Readonly<Record<ImageKind, ImageSpec>>;

/**
 * The tags of the three images from the recipes in `root` (default: this folder). Pure
 * function of the files' paths, contents and executable bits, the suite and the OpenSearch
 * version and checksum; reads a handful of small files synchronously.
 */
export function imagePlan(root: string = CONTAINERS_DIR): ImagePlan {
  const spec = (kind: ImageKind, folder: string, extra: string[]): ImageSpec => {
    const dir = join(root, folder);
    const hash = createHash('sha256');
    for (const line of [`image ${IMAGE_NAMES[kind]}`, ...extra]) hash.update(`${line}\n`);
    for (const file of listFiles(dir)) {
      const path = join(dir, file);
      const executable = (statSync(path).mode & 0o111) !== 0;
      const content = createHash('sha256').update(readFileSync(path)).digest('hex');
      hash.update(`file ${file} ${executable ? 'x' : '-'} ${content}\n`);
    }
    return { kind, dir, tag: `${IMAGE_NAMES[kind]}:${hash.digest('hex').slice(0, 12)}` };
  };
  const base = spec('base', 'base', [`suite ${IMAGE_SUITE}`]);
  return {
    base,
    mysql: spec('mysql', 'mariadb', [`base ${base.tag}`]),
    opensearch: spec('opensearch', 'opensearch', [
      `base ${base.tag}`,
      `version ${OPENSEARCH_VERSION}`,
      `sha512 ${OPENSEARCH_ZIP_SHA512}`,
    ]),
  };
}

/** Files under `dir`, as sorted relative paths with `/`, so the hash is the same everywhere. */
function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/** The tags `gridbox images build` makes, which the setting value `local` stands for. */
export function localImages(root?: string): Record<ServiceImageKind, string> {
  const plan = imagePlan(root);
  return { mysql: plan.mysql.tag, opensearch: plan.opensearch.tag };
}

/** A `mysqlImage`/`opensearchImage` setting as docker should see it: `local` is the local tag. */
export function resolveImage(settingValue: string, kind: ServiceImageKind): string {
  return settingValue === 'local' ? localImages()[kind] : settingValue;
}

export interface DockerOptions {
  /** Environment of the docker CLI and mmdebstrap (DOCKER_HOST, PATH…). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Progress lines, each without its newline. */
  readonly log: (line: string) => void;
  /** Recipes folder (tests); default this folder. */
  readonly root?: string;
}

export interface ImageStatus extends ImageSpec {
  readonly isPresent: boolean;
}

/** Whether each of the three images is in the local docker. */
export async function listImages(options: DockerOptions): Promise<ImageStatus[]> {
  await checkDocker(options.env);
  const plan = imagePlan(options.root);
  const statuses: ImageStatus[] = [];
  for (const spec of Object.values(plan)) {
    statuses.push({ ...spec, isPresent: await isPresent(spec.tag, options.env) });
  }
  return statuses;
}

export interface BuildResult extends Record<ServiceImageKind, string> {
  /** Tags built by this call, in build order. */
  readonly built: string[];
  /** Tags found present and used as they are. */
  readonly reused: string[];
}

/**
 * Builds whichever of the MariaDB and OpenSearch images is missing, and the base image first
 * if one of them needs it and it is missing too. Idempotent; a warm call only inspects.
 * Throws UsageError when docker cannot be reached or mmdebstrap is missing.
 */
export async function buildImages(options: DockerOptions): Promise<BuildResult> {
  const { env, log } = options;
  await checkDocker(env);
  const plan = imagePlan(options.root);
  const built: string[] = [];
  const reused: string[] = [];
  const missing: ImageSpec[] = [];
  for (const spec of [plan.mysql, plan.opensearch]) {
    if (await isPresent(spec.tag, env)) reused.push(spec.tag);
    else missing.push(spec);
  }
  if (missing.length > 0) {
    if (await isPresent(plan.base.tag, env)) reused.push(plan.base.tag);
    else {
      await buildBase(plan.base, options);
      built.push(plan.base.tag);
    }
  }
  for (const spec of missing) {
    const buildArgs: Record<string, string> =
      spec.kind === 'opensearch'
        ? {
            BASE: plan.base.tag,
            OPENSEARCH_VERSION,
            OPENSEARCH_SHA512: OPENSEARCH_ZIP_SHA512,
          }
        : { BASE: plan.base.tag };
    await dockerBuild(spec, buildArgs, options);
    built.push(spec.tag);
  }
  if (built.length === 0) log(`images present: ${reused.join(', ')}`);
  return { mysql: plan.mysql.tag, opensearch: plan.opensearch.tag, built, reused };
}

/** A bound on one build step, far above the 2-3 minutes each takes on a busy 2-core host. */
const BUILD_TIMEOUT_MS = 30 * 60_000;
const PROBE_TIMEOUT_MS = 60_000;

async function checkDocker(env: DockerOptions['env']): Promise<void> {
  const result = await run('docker', ['version', '--format', '{{.Server.Version}}'], {
    env,
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  if (result.code === 'ENOENT') {
    throw new UsageError(
      'The docker command is not installed: install docker.io (Debian) and start dockerd',
    );
  }
  if (result.code !== 0) {
    const why = lastLine(result.output) || `exit code ${result.code}`;
    throw new UsageError(
      `Docker is not reachable (${why.replace(/\.$/, '')}): start dockerd or set DOCKER_HOST`,
    );
  }
}

async function isPresent(tag: string, env: DockerOptions['env']): Promise<boolean> {
  const result = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], {
    env,
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  return result.code === 0;
}

async function buildBase(spec: ImageSpec, options: DockerOptions): Promise<void> {
  const { env } = options;
  const probe = await run('mmdebstrap', ['--version'], { env, timeoutMs: PROBE_TIMEOUT_MS });
  if (probe.code === 'ENOENT') {
    throw new UsageError(
      `mmdebstrap is not installed, and the base image ${spec.tag} needs it: apt-get install mmdebstrap`,
    );
  }
  const progress = startProgress(spec.tag, options.log);
  const scratch = await mkdtemp(join(tmpdir(), 'gridbox-rootfs-'));
  try {
    const rootfs = join(scratch, 'rootfs.tar');
    progress.phase(`mmdebstrap ${IMAGE_SUITE}`);
    await mustRun(spec.tag, 'sh', [join(spec.dir, 'make-rootfs.sh'), IMAGE_SUITE, rootfs], {
      env,
      timeoutMs: BUILD_TIMEOUT_MS,
    });
    progress.phase('docker import');
    await mustRun(
      spec.tag,
      'docker',
      [
        'import',
        '--change',
        'ENV DEBIAN_FRONTEND=noninteractive',
        '--change',
        `LABEL org.gridbox.image=${spec.kind}`,
        '--change',
        'CMD ["/bin/bash"]',
        rootfs,
        spec.tag,
      ],
      { env, timeoutMs: BUILD_TIMEOUT_MS },
    );
    progress.done();
  } finally {
    progress.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

async function dockerBuild(
  spec: ImageSpec,
  buildArgs: Record<string, string>,
  options: DockerOptions,
): Promise<void> {
  const progress = startProgress(spec.tag, options.log);
  try {
    progress.phase('docker build');
    await mustRun(
      spec.tag,
      'docker',
      [
        'build',
        // The legacy builder leaves the containers of failed steps behind without it.
        '--force-rm',
        '--label',
        `org.gridbox.image=${spec.kind}`,
        ...Object.entries(buildArgs).flatMap(([name, value]) => [
          '--build-arg',
          `${name}=${value}`,
        ]),
        '--tag',
        spec.tag,
        spec.dir,
      ],
      {
        // The legacy builder: Debian's dockerd 20.10 has no buildx, and its steps print one
        // line each, which makes the progress below.
        env: { ...options.env, DOCKER_BUILDKIT: '0' },
        timeoutMs: BUILD_TIMEOUT_MS,
        onLine: (line) => {
          const step = /^Step (\d+\/\d+) : (\S+)/.exec(line);
          if (step) progress.phase(`step ${step[1]} ${step[2]}`);
        },
      },
    );
    progress.done();
  } finally {
    progress.stop();
  }
}

/** Progress of one image on the log: each phase with the time since the image started. */
function startProgress(tag: string, log: DockerOptions['log']) {
  const startedAt = performance.now();
  let current = 'starting';
  const elapsed = () => formatDuration(performance.now() - startedAt);
  log(`building ${tag}`);
  // A line a minute through long phases (the OpenSearch class archive takes minutes).
  const timer = setInterval(() => log(`${tag}: ${current} (${elapsed()})`), 60_000);
  timer.unref();
  return {
    phase(name: string) {
      current = name;
      log(`${tag}: ${name} (${elapsed()})`);
    },
    done() {
      log(`built ${tag} in ${elapsed()}`);
    },
    stop() {
      clearInterval(timer);
    },
  };
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

interface RunOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs: number;
  readonly onLine?: (line: string) => void;
}

interface RunResult {
  /** The exit code; 'ENOENT' when the program does not exist; 'timeout' when it was killed. */
  readonly code: number | 'ENOENT' | 'timeout';
  /** stdout and stderr together, the last 64 KiB. */
  readonly output: string;
}

const OUTPUT_KEPT = 64 * 1024;

function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let pending = '';
    let timedOut = false;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-OUTPUT_KEPT);
      if (options.onLine === undefined) return;
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, options.timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT') resolve({ code: 'ENOENT', output: '' });
      else reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve({ code: 'timeout', output });
      else resolve({ code: code ?? (signal === null ? 1 : 128), output });
    });
  });
}

/** A build step failed; the message ends with the last lines of its output. */
export class ImageBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Runs a build step; on failure throws an ImageBuildError with the tail of its output. */
async function mustRun(
  tag: string,
  command: string,
  args: string[],
  options: RunOptions,
): Promise<void> {
  const result = await run(command, args, options);
  if (result.code === 0) return;
  const tail = result.output.trimEnd().split('\n').slice(-30).join('\n');
  const how =
    result.code === 'timeout'
      ? `did not finish within ${formatDuration(options.timeoutMs)}`
      : result.code === 'ENOENT'
        ? 'could not be started (not installed)'
        : `failed with exit code ${result.code}`;
  throw new ImageBuildError(
    `Building ${tag}: ${command} ${args[0] ?? ''} ${how}; its last lines:\n${tail}`,
  );
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}
