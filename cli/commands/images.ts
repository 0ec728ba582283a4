import { ImageBuildError, buildImages, listImages } from '../../containers/images.ts';
import type { Io } from '../io.ts';

export interface ImagesFlags {
  json?: boolean;
}

/**
 * `gridbox images build`: build the containers profile's local images that are missing
 * (docs/containers.md, Images); print their tags. Progress goes to stderr.
 */
export async function imagesBuild(flags: ImagesFlags, io: Io): Promise<number> {
  let result;
  try {
    result = await buildImages({
      env: io.env,
      log: (line) => io.stderr.write(`gridbox: ${line}\n`),
    });
  } catch (error) {
    // A failed recipe is a failed run (exit 1) with docker's own words, not a crash.
    if (!(error instanceof ImageBuildError)) throw error;
    io.stderr.write(`gridbox: ${error.message}\n`);
    return 1;
  }
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    io.stdout.write(`mysql       ${result.mysql}\nopensearch  ${result.opensearch}\n`);
  }
  return 0;
}

/** `gridbox images list`: the local images' tags and whether each is present. */
export async function imagesList(flags: ImagesFlags, io: Io): Promise<number> {
  const images = await listImages({
    env: io.env,
    log: (line) => io.stderr.write(`gridbox: ${line}\n`),
  });
  if (flags.json === true) {
    const rows = images.map(({ kind, tag, isPresent }) => ({ kind, tag, present: isPresent }));
    io.stdout.write(`${JSON.stringify({ images: rows })}\n`);
  } else {
    for (const { kind, tag, isPresent } of images) {
      io.stdout.write(
        `${kind.padEnd(11)} ${tag.padEnd(32)} ${isPresent ? 'present' : 'missing'}\n`,
      );
    }
  }
  return 0;
}
