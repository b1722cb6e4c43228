// npm run schema:check (in npm test): the public graph and the four OpenAPI
// documents, as the code makes them now, against the last release kept in
// docs/releases/. A breaking change fails unless CHANGELOG.md declares it
// under a new major version. `npm run schema:release -- <version>` keeps the
// current ones as a new release. See docs/releases/README.md.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';
import openapiDiff from 'openapi-diff';
import { DOCUMENTS, documentText } from './openapi.ts';
import { API_SCHEMA_FILE, apiSchemaOf, composeSupergraph } from './supergraph.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
export const RELEASES_DIR = path.join(ROOT, 'docs', 'releases');
const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;

/** The breaking changes from one graph to the next, each in a line. */
export async function graphBreakingChanges(before: string, after: string): Promise<string[]> {
  const changes = await diff(buildSchema(before), buildSchema(after));
  return changes
    .filter((change) => change.criticality.level === CriticalityLevel.Breaking)
    .map((change) => `graph: ${change.message}`);
}

/** The breaking changes from one OpenAPI 3.0 document to the next, each in a line. */
export async function openApiBreakingChanges(
  service: string,
  before: object,
  after: object,
): Promise<string[]> {
  const result = await openapiDiff.diffSpecs({
    sourceSpec: { content: JSON.stringify(before), location: `${service} (released)`, format: 'openapi3' },
    destinationSpec: { content: JSON.stringify(after), location: `${service} (now)`, format: 'openapi3' },
  });
  if (!result.breakingDifferencesFound) return [];
  return result.breakingDifferences.map((difference) => {
    const entity = difference.sourceSpecEntityDetails[0] ?? difference.destinationSpecEntityDetails[0];
    return `${service}: ${difference.code} at ${entity?.location ?? '(document)'}`;
  });
}

const versionOf = (name: string) => SEMVER.exec(name)?.slice(1).map(Number);

/** The newest release kept in docs/releases/, by semantic version. */
export function latestRelease(dir = RELEASES_DIR): string {
  const releases = readdirSync(dir).filter((name) => SEMVER.test(name));
  const byVersion = (a: string, b: string) => {
    const [x, y] = [versionOf(a) ?? [], versionOf(b) ?? []];
    return (x[0]! - y[0]!) * 1e12 + (x[1]! - y[1]!) * 1e6 + (x[2]! - y[2]!);
  };
  const latest = releases.sort(byVersion).at(-1);
  if (!latest) throw new Error(`No release in ${dir}: cut one with npm run schema:release -- 1.0.0`);
  return latest;
}

/**
 * The version CHANGELOG.md declares breaking changes under: its newest
 * version heading, when that is a new major after `released` and has a
 * `### Breaking` section; otherwise undefined.
 */
export function declaredMajor(changelog: string, released: string): string | undefined {
  const headings = [...changelog.matchAll(/^## \[?(\d+\.\d+\.\d+)\]?.*$/gm)];
  const newest = headings[0];
  if (!newest?.[1] || (versionOf(newest[1])?.[0] ?? 0) <= (versionOf(released)?.[0] ?? 0)) return undefined;
  const section = changelog.slice(newest.index, headings[1]?.index ?? changelog.length);
  return /^### Breaking/m.test(section) ? newest[1] : undefined;
}

/** The public graph and the OpenAPI documents (3.1 for callers, 3.0 to compare) as the code makes them. */
async function currentContracts() {
  const graph = apiSchemaOf(await composeSupergraph());
  const services = Object.entries(DOCUMENTS).map(([service, generate]) => ({
    service,
    document: generate('3.1'),
    comparable: generate('3.0'),
  }));
  return { graph, services };
}

async function check(): Promise<boolean> {
  const { graph, services } = await currentContracts();
  if (readFileSync(API_SCHEMA_FILE, 'utf8') !== graph) {
    console.error('docs/schema.graphql is out of date: run npm run compose-supergraph');
    return false;
  }
  const release = latestRelease();
  const dir = path.join(RELEASES_DIR, release);
  const breaking = await graphBreakingChanges(readFileSync(path.join(dir, 'schema.graphql'), 'utf8'), graph);
  for (const { service, comparable } of services) {
    const released = path.join(dir, 'openapi-3.0', `${service}.json`);
    const before = JSON.parse(readFileSync(released, 'utf8'));
    breaking.push(...(await openApiBreakingChanges(service, before, comparable)));
  }
  if (breaking.length === 0) {
    console.warn(`schema:check: no breaking change since ${release}`);
    return true;
  }
  const major = declaredMajor(readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8'), release);
  const list = breaking.map((line) => `  ${line}`).join('\n');
  if (major) {
    console.warn(`schema:check: breaking changes since ${release}, declared under ${major}:\n${list}`);
    return true;
  }
  console.error(
    `schema:check: breaking changes since ${release}:\n${list}\n` +
      'Undo them, or declare them in CHANGELOG.md under a new major version with a "### Breaking" section.',
  );
  return false;
}

/** Keeps the current graph and documents as release `version`. */
async function release(version: string): Promise<void> {
  if (!SEMVER.test(version)) throw new Error(`${version} is not a version such as 1.2.0`);
  const dir = path.join(RELEASES_DIR, version);
  if (existsSync(dir)) throw new Error(`docs/releases/${version} exists already`);
  const { graph, services } = await currentContracts();
  mkdirSync(path.join(dir, 'openapi'), { recursive: true });
  mkdirSync(path.join(dir, 'openapi-3.0'), { recursive: true });
  writeFileSync(path.join(dir, 'schema.graphql'), graph);
  for (const { service, document, comparable } of services) {
    writeFileSync(path.join(dir, 'openapi', `${service}.json`), documentText(document));
    writeFileSync(path.join(dir, 'openapi-3.0', `${service}.json`), documentText(comparable));
  }
  console.warn(`schema:release: kept the graph and the documents as docs/releases/${version}`);
}

if (process.argv[1] === import.meta.filename) {
  const at = process.argv.indexOf('--release');
  if (at >= 0) await release(process.argv[at + 1] ?? '');
  else if (!(await check())) process.exitCode = 1;
}
