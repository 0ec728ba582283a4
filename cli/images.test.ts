import { describe, expect, it } from 'vitest';
import { localImages } from '../containers/images.ts';
import { recordingIo } from './io.testkit.ts';
import { main } from './main.ts';

const PATH = process.env.PATH ?? '/usr/bin:/bin';

describe('gridbox images usage', () => {
  it.each([
    [['images', 'bogus'], {}, "error: unknown command 'bogus'"],
    [['images', 'build', '--nope'], {}, "error: unknown option '--nope'"],
    [['images', 'list', '--port', '1'], {}, "error: unknown option '--port'"],
    [['images', 'list'], { PATH: '/nonexistent' }, 'gridbox: The docker command is not installed'],
    [
      ['images', 'build', '--json'],
      { PATH, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      'gridbox: Docker is not reachable',
    ],
  ] as const)('exits 2 for %j with one line on stderr', async (argv, env, message) => {
    const t = recordingIo({ ...env });
    expect(await main(argv, t.io)).toBe(2);
    expect(t.err()).toContain(message);
    expect(t.err().trim().split('\n')).toHaveLength(1);
    expect(t.out()).toBe('');
  });
});

// Needs docker and the images built, as .ci/run arranges before the tests.
const withImages = process.env.TEST_CONTAINERS === '1';
describe.skipIf(!withImages)(
  `gridbox images build with the images present${withImages ? '' : ' (skipped: needs TEST_CONTAINERS=1, docker and the images built, as .ci/run does)'}`,
  () => {
    it('reuses every image and builds nothing', async () => {
      const t = recordingIo({ ...(process.env as Record<string, string>) });
      expect(await main(['images', 'build', '--json'], t.io)).toBe(0);
      const tags = localImages();
      expect(JSON.parse(t.out())).toEqual({
        mysql: tags.mysql,
        opensearch: tags.opensearch,
        built: [],
        reused: [tags.mysql, tags.opensearch],
      });
    });
  },
);
