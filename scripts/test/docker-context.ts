// The build context `docker build ... .` sends: the working tree minus what
// .dockerignore names. Files come from git (tracked and untracked, not
// ignored), so a scratch copy holds what a clean clone plus today's work holds.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Docker's .dockerignore rules: patterns relative to the context root, `*`
 * and `?` within a path segment, `**` across segments, `!` to re-include; a
 * path is left out when it or a folder above it matches (last match wins).
 */
export function dockerignoreMatcher(text: string): (file: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = path.posix.normalize(negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      if (/[[\]{}]/.test(pattern)) throw new Error(`.dockerignore: unsupported pattern ${line}`);
      return { negated, regex: patternRegex(pattern) };
    });
  return (file) => {
    const segments = file.split('/');
    const candidates = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((candidate) => rule.regex.test(candidate))) excluded = !rule.negated;
    }
    return excluded;
  };
}

function patternRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Relative paths of the files the build context holds, sorted. */
export function contextFiles(root: string): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .split('\0')
    .filter(Boolean);
  const ignored = dockerignoreMatcher(readFileSync(path.join(root, '.dockerignore'), 'utf8'));
  // A file deleted in the working tree is still in the index: it is not in the context.
  const exists = (file: string) => statSync(path.join(root, file), { throwIfNoEntry: false })?.isFile();
  return [...new Set(listed)].filter((file) => exists(file) && !ignored(file)).sort();
}

/** Copies the build context of `root` into `target`. */
export function copyContext(root: string, target: string): string[] {
  const files = contextFiles(root);
  for (const file of files) {
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    copyFileSync(path.join(root, file), path.join(target, file));
  }
  return files;
}
