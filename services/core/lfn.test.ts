import { describe, expect, it } from 'vitest';
import { lfnProblem } from './lfn.ts';

describe('lfnProblem, the one definition of an LFN', () => {
  const valid: [string, 'file' | 'directory'][] = [
    ['/lhcb', 'directory'],
    ['/lhcb/user/a', 'directory'],
    ['/lhcb/f', 'file'],
    ['/lhcb/data/with space/and%20percent?query#hash.txt', 'file'],
    ['/lhcb/ünïcödé/文件.root', 'file'],
    ['/lhcb/ leading-space', 'file'],
    [`/lhcb/${'f'.repeat(128)}`, 'file'],
    [`/lhcb/${'d'.repeat(255 - 6 - 1 - 128)}/${'f'.repeat(128)}`, 'file'],
  ];
  const invalid: [string, 'file' | 'directory', string][] = [
    ['', 'directory', 'not absolute'],
    ['lhcb/f', 'file', 'not absolute'],
    ['/', 'directory', 'has an empty path segment'],
    ['/lhcb//f', 'file', 'has an empty path segment'],
    ['/lhcb/dir/', 'directory', 'has an empty path segment'],
    ['/lhcb/./f', 'file', 'has a "." segment'],
    ['/lhcb/../gridbox/f', 'file', 'has a ".." segment'],
    ['/lhcb/a/..', 'directory', 'has a ".." segment'],
    ['/lhcb/nul\u0000byte', 'file', 'contains a control character'],
    ['/lhcb/new\nline', 'file', 'contains a control character'],
    ['/lhcb/del\u007f', 'file', 'contains a control character'],
    ['/lhcb/c1\u0085control', 'file', 'contains a control character'],
    ['/lhcb/lone\ud800surrogate', 'file', 'not well-formed Unicode'],
    ['/lhcb/trailing-space /f', 'file', 'has a segment ending with a space'],
    ['/lhcb', 'file', 'names no directory'],
    [`/lhcb/${'f'.repeat(129)}`, 'file', 'has a file name longer than 128 characters'],
    [`/lhcb/${'d/'.repeat(125)}f`, 'file', 'longer than 255 characters'],
  ];
  it.each(valid)('accepts %j as a %s', (path, kind) => {
    expect(lfnProblem(path, kind)).toBeUndefined();
  });
  it.each(invalid)('refuses %j as a %s: %s', (path, kind, reason) => {
    expect(lfnProblem(path, kind)).toBe(reason);
  });
});
