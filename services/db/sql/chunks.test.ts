import { describe, expect, it } from 'vitest';
import { chunksByBytes } from './chunks.ts';

describe('chunksByBytes', () => {
  it.each([
    { items: [], size: 3, maxBytes: 10, chunks: [] },
    { items: [1, 2, 3, 4, 5], size: 2, maxBytes: 100, chunks: [[1, 2], [3, 4], [5]] },
    {
      items: [4, 4, 4, 1],
      size: 10,
      maxBytes: 8,
      chunks: [
        [4, 4],
        [4, 1],
      ],
    },
    { items: [20, 1, 20], size: 10, maxBytes: 8, chunks: [[20], [1], [20]] },
    { items: [3, 5, 1], size: 10, maxBytes: 8, chunks: [[3, 5], [1]] },
  ])(
    'cuts $items (at most $size items, $maxBytes bytes) into $chunks',
    ({ items, size, maxBytes, chunks }) => {
      expect(chunksByBytes(items, size, (n) => n, maxBytes)).toEqual(chunks);
    },
  );
});
