// The checks npm run schema:check makes against the last release: what counts
// as breaking in the graph and in the OpenAPI documents, and when CHANGELOG.md
// allows it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { openApiDocument } from '../../subgraphs/logistics-service/src/openapi.ts';
import {
  declaredMajor,
  graphBreakingChanges,
  latestRelease,
  openApiBreakingChanges,
} from '../schema-check.ts';

const GRAPH = `
  type Query { shipment(id: ID!): Shipment }
  type Shipment { id: ID! carrier: String! weightGrams: Int! }
`;

describe('the graph against its release', () => {
  it('finds a removed field and an argument made required breaking', async () => {
    const after = `
      type Query { shipment(id: ID!, carrier: String!): Shipment }
      type Shipment { id: ID! carrier: String! }
    `;
    const breaking = await graphBreakingChanges(GRAPH, after);
    expect(breaking).toHaveLength(2);
    expect(breaking.join('\n')).toMatch(/weightGrams.*removed/);
  });

  it('lets a new field and a new description pass', async () => {
    const after = `
      type Query { shipment(id: ID!): Shipment }
      "A parcel."
      type Shipment { id: ID! carrier: String! weightGrams: Int! costCents: Int }
    `;
    expect(await graphBreakingChanges(GRAPH, after)).toEqual([]);
  });
});

describe('an OpenAPI document against its release', () => {
  const released = openApiDocument('3.0');

  it('finds a removed route and a new required body field breaking', async () => {
    const now = structuredClone(released) as any;
    delete now.paths['/shipment-reports/parked'];
    now.paths['/shipments'].post.requestBody.content['application/json'].schema.required.push('insurance');
    const breaking = await openApiBreakingChanges('logistics-service', released, now);
    expect(breaking).toEqual([
      expect.stringMatching(/path.remove at paths.\/shipment-reports\/parked/),
      expect.stringMatching(/request.body.scope.remove at paths.\/shipments.post/),
    ]);
  });

  it('lets a new route pass', async () => {
    const now = structuredClone(released) as any;
    now.paths['/carriers'] = { get: { responses: { 200: { description: 'The carriers' } } } };
    expect(await openApiBreakingChanges('logistics-service', released, now)).toEqual([]);
  });
});

describe('CHANGELOG.md', () => {
  const changelog = (version: string, body: string) =>
    `# Changelog\n\n## ${version}\n\n${body}\n\n## 1.0.0\n\nFirst.\n`;

  it('declares breaking changes under a new major version with a Breaking section', () => {
    expect(
      declaredMajor(changelog('2.0.0', '### Breaking\n\n- Shipment.weightGrams is gone.'), '1.0.0'),
    ).toBe('2.0.0');
  });

  it('declares none under a minor version, or without a Breaking section', () => {
    expect(declaredMajor(changelog('1.1.0', '### Breaking\n\n- gone.'), '1.0.0')).toBeUndefined();
    expect(declaredMajor(changelog('2.0.0', '### Added\n\n- more.'), '1.0.0')).toBeUndefined();
  });
});

describe('docs/releases/', () => {
  it('takes the newest release by version, not by name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'releases-'));
    for (const name of ['1.0.0', '9.1.0', '10.0.0', 'README.md']) mkdirSync(path.join(dir, name));
    expect(latestRelease(dir)).toBe('10.0.0');
    rmSync(dir, { recursive: true });
  });
});
