{{- define "kaas.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kaas.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kaas.labels" -}}
app.kubernetes.io/name: {{ include "kaas.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kaas.selector" -}}
app.kubernetes.io/name: {{ include "kaas.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "kaas.secretName" -}}
{{- default (printf "%s-secrets" (include "kaas.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{- define "kaas.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{/* The container every Deployment runs, differing in role, port and extra environment. */}}
{{- define "kaas.container" -}}
- name: kaas
  image: {{ include "kaas.image" .root }}
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  args: [{{ .role | quote }}]
  ports:
    - name: http
      containerPort: {{ .port }}
  envFrom:
    - configMapRef:
        name: {{ include "kaas.fullname" .root }}-config
    - secretRef:
        name: {{ include "kaas.secretName" .root }}
  env:
    - name: KAAS_HOST
      value: "0.0.0.0"
    - name: KAAS_PORT
      value: {{ .port | quote }}
    - name: KAAS_DATA_DIR
      value: /data
    {{- range $name, $value := .env }}
    - name: {{ $name }}
      value: {{ $value | quote }}
    {{- end }}
  livenessProbe:
    httpGet: { path: /healthz, port: http }
    periodSeconds: 10
    failureThreshold: 3
  readinessProbe:
    httpGet: { path: /readyz, port: http }
    periodSeconds: 5
    failureThreshold: 2
  startupProbe:
    httpGet: { path: /healthz, port: http }
    periodSeconds: 2
    failureThreshold: 60
  resources: {{- toYaml .resources | nindent 4 }}
  securityContext: {{- toYaml .root.Values.securityContext | nindent 4 }}
  volumeMounts:
    - name: data
      mountPath: /data
    - name: tmp
      mountPath: /tmp
{{- end -}}
