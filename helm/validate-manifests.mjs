// Validates manifests rendered from the chart against the Kubernetes and prometheus-operator API
// schemas (types and required fields; misspelt field names are not caught). Offline once installed.
// HelmChartTest leaves its renders in target/helm/. From the repository's root:
//
//   npm install --prefix /tmp/k8s-models kubernetes-models@5 @kubernetes-models/prometheus-operator@6 yaml@2
//   K8S_MODELS=/tmp/k8s-models/node_modules node helm/validate-manifests.mjs target/helm/*.yaml
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// The packages live outside the repository: load their files from K8S_MODELS by path.
const modules = process.env.K8S_MODELS ?? '/tmp/k8s-models/node_modules';
const load = (file) => import(pathToFileURL(path.join(modules, file)).href);
const { parseAllDocuments } = await load('yaml/dist/index.js');
const core = await load('kubernetes-models/v1/index.js');
const apps = await load('kubernetes-models/apps/v1/index.js');
const autoscaling = await load('kubernetes-models/autoscaling/v2/index.js');
const policy = await load('kubernetes-models/policy/v1/index.js');
const networking = await load('kubernetes-models/networking.k8s.io/v1/index.js');
const monitoring = await load('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/index.js');

const models = {
  ConfigMap: core.ConfigMap, Service: core.Service, ServiceAccount: core.ServiceAccount, Pod: core.Pod,
  Deployment: apps.Deployment, HorizontalPodAutoscaler: autoscaling.HorizontalPodAutoscaler,
  PodDisruptionBudget: policy.PodDisruptionBudget, Ingress: networking.Ingress,
  ServiceMonitor: monitoring.ServiceMonitor, PrometheusRule: monitoring.PrometheusRule,
};

let invalid = 0;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const resource = document.toJS();
    if (!resource) continue;
    const name = `${file}: ${resource.kind} ${resource.metadata?.name}`;
    const Model = models[resource.kind];
    if (!Model) { invalid++; console.log(`UNKNOWN KIND ${name}`); continue; }
    try { new Model(resource).validate(); console.log(`ok ${name}`); }
    catch (error) { invalid++; console.log(`INVALID ${name}: ${error.message}`); }
  }
}
process.exit(invalid ? 1 : 0);
