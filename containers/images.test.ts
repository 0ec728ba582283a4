import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTAINERS_DIR, type ImagePlan, imagePlan, localImages, resolveImage } from './images.ts';

const scratches: string[] = [];
afterEach(() => {
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the recipes that a test may change. */
function copyOfRecipes(): string {
  const root = mkdtempSync(join(tmpdir(), 'gridbox-images-'));
  scratches.push(root);
  for (const folder of ['base', 'mariadb', 'opensearch']) {
    cpSync(join(CONTAINERS_DIR, folder), join(root, folder), { recursive: true });
  }
  return root;
}

const tags = (plan: ImagePlan) => ({
  base: plan.base.tag,
  mysql: plan.mysql.tag,
  opensearch: plan.opensearch.tag,
});

describe('local image tags', () => {
  it('are a name and 12 hex digits, the same on every computation and for a copy', () => {
    const plan = tags(imagePlan());
    expect(plan).toEqual({
      base: expect.stringMatching(/^gridbox-base:[0-9a-f]{12}$/),
      mysql: expect.stringMatching(/^gridbox-mariadb:[0-9a-f]{12}$/),
      opensearch: expect.stringMatching(/^gridbox-opensearch:[0-9a-f]{12}$/),
    });
    expect(tags(imagePlan())).toEqual(plan);
    expect(tags(imagePlan(copyOfRecipes()))).toEqual(plan);
  });

  it.each([
    // [what changes, how, which tags change]
    ['the rootfs script', 'base/make-rootfs.sh', 'edit', ['base', 'mysql', 'opensearch']],
    ['a MariaDB file', 'mariadb/99-container.cnf', 'edit', ['mysql']],
    ['the MariaDB entrypoint', 'mariadb/entrypoint.sh', 'edit', ['mysql']],
    ['an OpenSearch file', 'opensearch/opensearch.yml', 'edit', ['opensearch']],
    ['a new OpenSearch file', 'opensearch/extra.options', 'add', ['opensearch']],
    ['the executable bit', 'mariadb/entrypoint.sh', 'chmod', ['mysql']],
  ] as const)('change when %s changes, and only those built on it', (_, file, how, changed) => {
    const root = copyOfRecipes();
    const before = tags(imagePlan(root));
    const path = join(root, file);
    if (how === 'chmod') chmodSync(path, 0o644);
    else writeFileSync(path, '# changed\n', { flag: how === 'add' ? 'w' : 'a' });
    const after = tags(imagePlan(root));
    for (const kind of ['base', 'mysql', 'opensearch'] as const) {
      if ((changed as readonly string[]).includes(kind)) expect(after[kind]).not.toBe(before[kind]);
      else expect(after[kind]).toBe(before[kind]);
    }
  });
});

describe('resolveImage', () => {
  it.each([
    ['local', 'mysql', localImages().mysql],
    ['local', 'opensearch', localImages().opensearch],
    ['mysql:8.4', 'mysql', 'mysql:8.4'],
    ['opensearchproject/opensearch:2.19.6', 'opensearch', 'opensearchproject/opensearch:2.19.6'],
    ['registry.example:5000/local', 'mysql', 'registry.example:5000/local'],
  ] as const)('turns %s for %s into %s', (value, kind, expected) => {
    expect(resolveImage(value, kind)).toBe(expected);
  });
});
