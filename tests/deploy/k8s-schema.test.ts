import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";

/** Kubernetes' own OpenAPI schemas (bundled by kubernetes-models, no network): every manifest must validate. */
const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment as never,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler as never,
  "v1/ConfigMap": ConfigMap as never,
  "v1/Namespace": Namespace as never,
  "v1/Secret": Secret as never,
  "v1/Service": Service as never,
};

const dir = join(process.cwd(), "deploy/k8s");
const files = [...readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => join(dir, f)), ...readdirSync(join(dir, "templates")).map((f) => join(dir, "templates", f))];

describe("Kubernetes manifests against the Kubernetes schemas", () => {
  it.each(files.map((f) => [f.replace(process.cwd() + "/", ""), f]))("%s validates", (_name, file) => {
    const docs = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as { apiVersion: string; kind: string } | null).filter(Boolean);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      const Model = MODELS[`${doc!.apiVersion}/${doc!.kind}`];
      expect(Model, `${doc!.apiVersion} ${doc!.kind} has no schema here`).toBeDefined();
      expect(() => new Model!(doc as never).validate()).not.toThrow();
    }
  });

  it("a broken manifest is caught", () => {
    const bad = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { selector: { matchLabels: { a: "b" } }, template: { spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: "http" }] }] } } } };
    expect(() => new Deployment(bad as never).validate()).toThrow(/containerPort must be integer/);
  });
});
