#!/usr/bin/env python3
"""Writes grafana-dashboard-configmap.yaml from grafana-dashboard.json.

Re-run it after every edit of grafana-dashboard.json, so that the ConfigMap carries exactly the
same dashboard:

    python3 deploy/monitoring/make-dashboard-configmap.py

Only the standard library is used. The JSON file is checked to parse, then embedded byte for byte
as a YAML literal block under data["switchboard.json"] of the ConfigMap
switchboard-grafana-dashboard, labelled grafana_dashboard: "1" for the Grafana dashboard sidecar.
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = HERE / "grafana-dashboard.json"
TARGET = HERE / "grafana-dashboard-configmap.yaml"

HEADER = """\
# GENERATED from grafana-dashboard.json by make-dashboard-configmap.py: do not edit by hand;
# edit the JSON and re-run `python3 deploy/monitoring/make-dashboard-configmap.py`.
#
# Apply it into the namespace the Grafana dashboard sidecar watches (kube-prometheus-stack:
# the Grafana release's namespace unless sidecar.dashboards.searchNamespace says otherwise):
#   kubectl apply -n <grafana-namespace> -f deploy/monitoring/grafana-dashboard-configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: switchboard-grafana-dashboard
  labels:
    grafana_dashboard: "1"
    app.kubernetes.io/name: switchboard
    app.kubernetes.io/component: monitoring
data:
  switchboard.json: |
"""


def main() -> int:
    text = SOURCE.read_text(encoding="utf-8")
    json.loads(text)  # refuse to embed a dashboard that does not parse
    if not text.endswith("\n"):
        text += "\n"
    lines = text.splitlines()
    if "\t" in text or any(line != line.rstrip() for line in lines):
        print("grafana-dashboard.json has tabs or trailing blanks; cannot embed it verbatim", file=sys.stderr)
        return 1
    body = "".join(("    " + line if line else "") + "\n" for line in lines)
    TARGET.write_text(HEADER + body, encoding="utf-8")
    print(f"wrote {TARGET.name} ({len(lines)} dashboard lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
