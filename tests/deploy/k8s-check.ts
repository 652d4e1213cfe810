/**
 * A minimal, hand-written structural check of Purser's Kubernetes manifests: not a full schema,
 * just the mistakes that break a deploy quietly (a selector that matches nothing, a probe on the
 * wrong path or port, an HPA aimed at a missing Deployment, a secret pasted inline).
 */

type Obj = Record<string, any>;

export interface K8sDoc {
  file: string;
  obj: Obj;
}

export const ALLOWED_KINDS: Record<string, string[]> = {
  v1: ["Namespace", "ConfigMap", "Secret", "Service"],
  "apps/v1": ["Deployment"],
  "autoscaling/v2": ["HorizontalPodAutoscaler"],
};

/** Names whose values are secrets: they may only come from a Secret, never inline. */
export const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|MASTER_KEY|API_KEY|APP_KEY|PRIVATE_KEY|DATABASE_URL|REDIS_URL|SOLANA_RPC_URL)$/;
export const PLACEHOLDER = /^(REPLACE_ME|<[^>]*>|\$\{[A-Z0-9_]+\})?$/;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function subset(sel: Obj | undefined, labels: Obj | undefined): boolean {
  if (!isObj(sel) || !Object.keys(sel).length || !isObj(labels)) return false;
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

function portOk(port: unknown, container: Obj): boolean {
  const ports: Obj[] = Array.isArray(container.ports) ? container.ports : [];
  return ports.some((p) => (typeof port === "string" ? p.name === port : p.containerPort === port));
}

/** Every problem found, as "file kind/name: what"; empty when the manifests hang together. */
export function checkManifests(docs: readonly K8sDoc[]): string[] {
  const problems: string[] = [];
  const where = (d: K8sDoc) => `${d.file} ${d.obj?.kind ?? "?"}/${d.obj?.metadata?.name ?? "?"}`;
  const byKind = (k: string) => docs.filter((d) => d.obj?.kind === k);
  const secrets = new Map(byKind("Secret").map((d) => [d.obj.metadata?.name, d.obj]));
  const configMaps = new Set(byKind("ConfigMap").map((d) => d.obj.metadata?.name));
  const deployments = byKind("Deployment");

  for (const d of docs) {
    const { apiVersion, kind, metadata } = d.obj ?? {};
    if (!ALLOWED_KINDS[apiVersion]?.includes(kind)) problems.push(`${where(d)}: apiVersion/kind ${apiVersion}/${kind} is not allowed`);
    if (!isObj(metadata) || typeof metadata.name !== "string" || !metadata.name) problems.push(`${where(d)}: metadata.name is required`);
  }

  for (const d of byKind("Secret")) {
    for (const field of ["data", "stringData"]) {
      for (const [k, v] of Object.entries((d.obj[field] ?? {}) as Obj)) {
        if (!PLACEHOLDER.test(String(v ?? ""))) problems.push(`${where(d)}: ${field}.${k} holds a value, not a placeholder`);
      }
    }
  }
  for (const d of byKind("ConfigMap")) {
    for (const [k, v] of Object.entries((d.obj.data ?? {}) as Obj)) {
      if (SECRET_NAME.test(k) && String(v ?? "") !== "") problems.push(`${where(d)}: ${k} is a secret and belongs in a Secret`);
    }
  }

  for (const d of deployments) problems.push(...checkDeployment(d, where(d), secrets, configMaps));

  for (const d of byKind("Service")) {
    const sel = d.obj.spec?.selector;
    const target = deployments.find((x) => subset(sel, x.obj.spec?.template?.metadata?.labels));
    if (!target) {
      problems.push(`${where(d)}: selector matches no Deployment's pod labels`);
      continue;
    }
    const container = target.obj.spec.template.spec?.containers?.[0] ?? {};
    for (const p of (d.obj.spec?.ports ?? []) as Obj[]) {
      if (!portOk(p.targetPort ?? p.port, container)) problems.push(`${where(d)}: targetPort ${p.targetPort} is not a container port`);
    }
  }

  for (const d of byKind("HorizontalPodAutoscaler")) {
    const ref = d.obj.spec?.scaleTargetRef ?? {};
    if (ref.kind !== "Deployment" || !deployments.some((x) => x.obj.metadata?.name === ref.name)) {
      problems.push(`${where(d)}: scaleTargetRef ${ref.kind}/${ref.name} names no Deployment here`);
    }
    const { minReplicas, maxReplicas } = d.obj.spec ?? {};
    if (!(Number.isInteger(minReplicas) && Number.isInteger(maxReplicas) && minReplicas >= 1 && minReplicas <= maxReplicas)) {
      problems.push(`${where(d)}: needs 1 <= minReplicas <= maxReplicas`);
    }
  }
  return problems;
}

function checkDeployment(d: K8sDoc, at: string, secrets: Map<string, Obj>, configMaps: Set<string>): string[] {
  const problems: string[] = [];
  const spec = d.obj.spec ?? {};
  const pod = spec.template?.spec ?? {};
  if (!subset(spec.selector?.matchLabels, spec.template?.metadata?.labels)) problems.push(`${at}: selector.matchLabels do not match the template labels`);
  const containers: Obj[] = Array.isArray(pod.containers) ? pod.containers : [];
  if (!containers.length) problems.push(`${at}: no containers`);
  const volumes = new Map<string, Obj>(((pod.volumes ?? []) as Obj[]).map((v) => [v.name, v]));
  const secretKey = (name: string, key?: string) => {
    const s = secrets.get(name);
    if (!s) return `Secret ${name} is not defined`;
    if (key !== undefined && !(key in (s.stringData ?? {})) && !(key in (s.data ?? {}))) return `Secret ${name} has no key ${key}`;
    return undefined;
  };
  for (const c of containers) {
    const cat = `${at} container ${c.name ?? "?"}`;
    if (typeof c.image !== "string" || !c.image.trim()) problems.push(`${cat}: image is required`);
    const probes: Array<[string, string]> = [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"], ["startupProbe", "/healthz"]];
    for (const [probe, path] of probes) {
      const p = c[probe];
      if (!p) {
        if (probe !== "startupProbe") problems.push(`${cat}: ${probe} is missing`);
        continue;
      }
      if (p.httpGet?.path !== path) problems.push(`${cat}: ${probe} must GET ${path} (got ${p.httpGet?.path})`);
      if (!portOk(p.httpGet?.port, c)) problems.push(`${cat}: ${probe} port ${p.httpGet?.port} is not a container port`);
    }
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory) {
      problems.push(`${cat}: resources need cpu/memory requests and a memory limit`);
    }
    const sc = c.securityContext ?? {};
    if (sc.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true) problems.push(`${cat}: runAsNonRoot is not set`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${cat}: allowPrivilegeEscalation must be false`);
    if (sc.readOnlyRootFilesystem === true) {
      const data = ((c.volumeMounts ?? []) as Obj[]).find((m) => m.mountPath === "/app/data");
      if (!data || !volumes.get(data.name)?.emptyDir) problems.push(`${cat}: a read-only root needs an emptyDir at /app/data`);
    }
    for (const m of (c.volumeMounts ?? []) as Obj[]) {
      if (!volumes.has(m.name)) problems.push(`${cat}: volumeMount ${m.name} has no volume`);
    }
    for (const e of (c.env ?? []) as Obj[]) {
      if (SECRET_NAME.test(e.name) && e.value !== undefined) problems.push(`${cat}: env ${e.name} is a secret given inline`);
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        const why = secretKey(ref.name, ref.key);
        if (why) problems.push(`${cat}: env ${e.name}: ${why}`);
      }
    }
    for (const f of (c.envFrom ?? []) as Obj[]) {
      if (f.secretRef) {
        const why = secretKey(f.secretRef.name);
        if (why) problems.push(`${cat}: envFrom: ${why}`);
      }
      if (f.configMapRef && !configMaps.has(f.configMapRef.name)) problems.push(`${cat}: envFrom: ConfigMap ${f.configMapRef.name} is not defined`);
    }
  }
  if (pod.terminationGracePeriodSeconds !== 30) problems.push(`${at}: terminationGracePeriodSeconds must be 30`);
  return problems;
}
