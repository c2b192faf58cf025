"""Structural check of docker/k8s/kueue/*.yaml, for want of Kueue's CRD schemas (no cluster, no network).

Checks what a typo would break: the API version and kinds, no fields outside the ones these examples use
(the names come from Kueue's v1beta1 API), every flavor a ClusterQueue names is defined, its resources are
the covered ones and include GPUs, the LocalQueue points at a defined ClusterQueue, and its name is the
queue the control plane labels its Jobs for (ABLSERVE_K8S_QUEUE in the deployment given last).
Usage: python k8s-kueue-check.py KUEUE.yaml... DEPLOYMENT.yaml
"""
import sys

import yaml

API = "kueue.x-k8s.io/v1beta1"
SPEC_FIELDS = {
    "ResourceFlavor": {"nodeLabels", "nodeTaints", "tolerations", "topologyName"},
    "ClusterQueue": {"namespaceSelector", "queueingStrategy", "resourceGroups", "cohort", "preemption",
                     "flavorFungibility", "stopPolicy", "admissionChecks", "fairSharing"},
    "LocalQueue": {"clusterQueue", "stopPolicy"},
}
errors = []


def fail(message):
    errors.append(message)


*kueue_files, deployment_file = sys.argv[1:]
objects = [d for f in kueue_files for d in yaml.safe_load_all(open(f)) if d]
by_kind = {kind: {} for kind in SPEC_FIELDS}
for obj in objects:
    kind, name = obj.get("kind"), (obj.get("metadata") or {}).get("name")
    if obj.get("apiVersion") != API:
        fail(f"{kind}/{name}: apiVersion must be {API}, got {obj.get('apiVersion')}")
    if kind not in SPEC_FIELDS:
        fail(f"unexpected kind {kind}")
        continue
    if not name:
        fail(f"a {kind} without metadata.name")
    unknown = set(obj) - {"apiVersion", "kind", "metadata", "spec"}
    unknown |= set(obj.get("spec") or {}) - SPEC_FIELDS[kind]
    if unknown:
        fail(f"{kind}/{name}: unknown fields {sorted(unknown)}")
    by_kind[kind][name] = obj.get("spec") or {}

for name, spec in by_kind["ClusterQueue"].items():
    for group in spec.get("resourceGroups", []):
        covered = set(group.get("coveredResources", []))
        if "nvidia.com/gpu" not in covered:
            fail(f"ClusterQueue/{name}: a resource group does not cover nvidia.com/gpu")
        for flavor in group.get("flavors", []):
            if flavor.get("name") not in by_kind["ResourceFlavor"]:
                fail(f"ClusterQueue/{name}: flavor {flavor.get('name')} is not defined")
            resources = {r.get("name") for r in flavor.get("resources", [])}
            if resources != covered:
                fail(f"ClusterQueue/{name}: flavor {flavor.get('name')} quotas {sorted(resources)}"
                     f" differ from coveredResources {sorted(covered)}")
            for r in flavor.get("resources", []):
                if "nominalQuota" not in r:
                    fail(f"ClusterQueue/{name}: {r.get('name')} has no nominalQuota")

deployment = yaml.safe_load(open(deployment_file))
env = {e["name"]: e.get("value") for c in deployment["spec"]["template"]["spec"]["containers"]
       for e in c.get("env", [])}
queue = env.get("ABLSERVE_K8S_QUEUE", "ablserve")
if queue not in by_kind["LocalQueue"]:
    fail(f"no LocalQueue named {queue}, the queue the control plane labels its Jobs for")
for name, spec in by_kind["LocalQueue"].items():
    if spec.get("clusterQueue") not in by_kind["ClusterQueue"]:
        fail(f"LocalQueue/{name}: clusterQueue {spec.get('clusterQueue')} is not defined")

for message in errors:
    print("FAIL:", message, file=sys.stderr)
print(f"{len(objects)} Kueue objects checked" + (f", {len(errors)} problems" if errors else ", all consistent"))
sys.exit(1 if errors else 0)
