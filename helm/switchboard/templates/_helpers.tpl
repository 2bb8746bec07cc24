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
The routes file (the routes ConfigMap): spring.cloud.gateway.server.webflux.routes only.
*/}}
{{- define "switchboard.routesConfig" -}}
{{- toYaml (dict "spring" (dict "cloud" (dict "gateway" (dict "server" (dict "webflux" (dict "routes" (.Values.routes | default list))))))) }}
{{- end }}

{{/*
The settings file (the settings ConfigMap): switchboard.*, Redis, discovery, then extraConfig
deep-merged over all of it.
*/}}
{{- define "switchboard.settingsConfig" -}}
{{- $config := dict "spring" dict }}
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
{{- $_ := set $config.spring "cloud" (dict "discovery" (dict "client" (dict "simple" (dict "instances" $instances)))) }}
{{- end }}
{{- else if eq .Values.discovery.mode "dns" }}
{{- $discovery := get $switchboard "discovery" | default dict }}
{{- $_ := set $discovery "dns" (dict "services" (.Values.discovery.services | default dict) "refresh-interval" .Values.discovery.refreshInterval) }}
{{- $_ := set $switchboard "discovery" $discovery }}
{{- end }}
{{- if $switchboard }}
{{- $_ := set $config "switchboard" $switchboard }}
{{- end }}
{{- if not $config.spring }}
{{- $_ := unset $config "spring" }}
{{- end }}
{{- $config = mustMergeOverwrite $config (deepCopy (.Values.extraConfig | default dict)) }}
{{- toYaml $config }}
{{- end }}

{{/*
A duration value as Spring Boot writes it (500ms, 5s, 2m, 1h, or milliseconds) in whole seconds,
rounded up; the default when the value is unset.
*/}}
{{- define "switchboard.durationSeconds" -}}
{{- $value := toString (.value | default .default) }}
{{- $number := regexFind "^[0-9]+" $value | atoi }}
{{- if hasSuffix "ms" $value }}{{ div (add $number 999) 1000 }}
{{- else if hasSuffix "s" $value }}{{ $number }}
{{- else if hasSuffix "m" $value }}{{ mul $number 60 }}
{{- else if hasSuffix "h" $value }}{{ mul $number 3600 }}
{{- else }}{{ div (add $number 999) 1000 }}
{{- end }}
{{- end }}

{{/*
The pod's grace period: what the gateway's shutdown sequence takes at most (accept delay, close
spread, one close timeout, Spring's graceful shutdown phase) and 5 s to spare.
*/}}
{{- define "switchboard.terminationGracePeriodSeconds" -}}
{{- if .Values.terminationGracePeriodSeconds }}
{{- .Values.terminationGracePeriodSeconds }}
{{- else }}
{{- $sb := .Values.switchboard | default dict }}
{{- $shutdown := get $sb "shutdown" | default dict }}
{{- $accept := include "switchboard.durationSeconds" (dict "value" (get $shutdown "accept-delay") "default" "5s") | atoi }}
{{- $spread := include "switchboard.durationSeconds" (dict "value" (get $shutdown "close-spread") "default" "10s") | atoi }}
{{- $close := include "switchboard.durationSeconds" (dict "value" (get $sb "close-timeout") "default" "5s") | atoi }}
{{- $spring := get (.Values.extraConfig | default dict) "spring" | default dict }}
{{- $lifecycle := get $spring "lifecycle" | default dict }}
{{- $phase := include "switchboard.durationSeconds" (dict "value" (get $lifecycle "timeout-per-shutdown-phase") "default" "30s") | atoi }}
{{- add $accept $spread $close $phase 5 }}
{{- end }}
{{- end }}
