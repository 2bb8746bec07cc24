{{/*
The chart name, or nameOverride.
*/}}
{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's resources: fullnameOverride, else the release name, with the chart
name appended unless the release name already contains it. Truncated to 63 characters (DNS names).
*/}}
{{- define "switchboard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "switchboard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every resource.
*/}}
{{- define "switchboard.labels" -}}
helm.sh/chart: {{ include "switchboard.chart" . }}
{{ include "switchboard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: switchboard
{{- end }}

{{/*
Labels that select this release's pods (stable across upgrades: never add to them).
*/}}
{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchboard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The ServiceAccount's name.
*/}}
{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "switchboard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image reference; the tag defaults to the chart's appVersion.
*/}}
{{- define "switchboard.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
A monitoring asset from files/ (copies of deploy/monitoring/, checked by HelmChartTest), parsed as
YAML. It is never passed through tpl: the Prometheus templates ({{ $labels.route }}) in the alert
annotations must reach Prometheus as written. Fails the render when the file is missing or broken.
*/}}
{{- define "switchboard.monitoringAsset" -}}
{{- $text := .context.Files.Get (printf "files/%s" .file) }}
{{- if not $text }}
{{- fail (printf "files/%s is missing from the chart (copy it from deploy/monitoring/)" .file) }}
{{- end }}
{{- $parsed := fromYaml $text }}
{{- if hasKey $parsed "Error" }}
{{- fail (printf "files/%s does not parse: %s" .file (get $parsed "Error")) }}
{{- end }}
{{- toJson $parsed }}
{{- end }}

{{/*
The application.yml rendered into the ConfigMap: routes, switchboard.*, Redis, discovery, then
extraConfig deep-merged over all of it.
*/}}
{{- define "switchboard.applicationConfig" -}}
{{- $config := dict }}
{{- $_ := set $config "spring" (dict "cloud" (dict "gateway" (dict "server" (dict "webflux" (dict "routes" (.Values.routes | default list)))))) }}
{{- $switchboard := deepCopy (.Values.switchboard | default dict) }}
{{- with .Values.redis.host }}
{{- $redis := dict "host" . "port" $.Values.redis.port }}
{{- if $.Values.redis.ssl }}
{{- $_ := set $redis "ssl" (dict "enabled" true) }}
{{- end }}
{{- with $.Values.redis.username }}
{{- $_ := set $redis "username" . }}
{{- end }}
{{- $_ := set $config.spring "data" (dict "redis" $redis) }}
{{- end }}
{{- if eq .Values.discovery.mode "simple" }}
{{- if .Values.discovery.instances }}
{{- $instances := dict }}
{{- range $name, $uris := .Values.discovery.instances }}
{{- $list := list }}
{{- range $uris }}
{{- $list = append $list (dict "uri" .) }}
{{- end }}
{{- $_ := set $instances $name $list }}
{{- end }}
{{- $_ := set $config.spring.cloud "discovery" (dict "client" (dict "simple" (dict "instances" $instances))) }}
{{- end }}
{{- else if eq .Values.discovery.mode "dns" }}
{{- $discovery := get $switchboard "discovery" | default dict }}
{{- $_ := set $discovery "dns" (dict "services" (.Values.discovery.services | default dict) "refresh-interval" .Values.discovery.refreshInterval) }}
{{- $_ := set $switchboard "discovery" $discovery }}
{{- end }}
{{- if $switchboard }}
{{- $_ := set $config "switchboard" $switchboard }}
{{- end }}
{{- $config = mustMergeOverwrite $config (deepCopy (.Values.extraConfig | default dict)) }}
{{- toYaml $config }}
{{- end }}
