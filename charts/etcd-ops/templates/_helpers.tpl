{{/*
Names. fullname is at most 40 characters so "<fullname>-<job>" (job suffix at most 9) stays within the 52 characters
Kubernetes allows for a CronJob name (its Jobs add 11).
*/}}
{{- define "etcd-ops.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "etcd-ops.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "etcd-ops.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Namespace of the target StatefulSet (and of the jobs' Roles: Events go next to the object they are about). */}}
{{- define "etcd-ops.targetNamespace" -}}
{{- default .Release.Namespace .Values.target.namespace -}}
{{- end -}}

{{- define "etcd-ops.clusterName" -}}
{{- default .Values.target.statefulSet .Values.target.clusterName -}}
{{- end -}}

{{- define "etcd-ops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "etcd-ops.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "etcd-ops.labels" -}}
helm.sh/chart: {{ include "etcd-ops.chart" . }}
{{ include "etcd-ops.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: etcd-ops
etcd-ops.io/statefulset: {{ .Values.target.statefulSet | quote }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
The jobs, in one table: values key -> resource suffix, image name. Everything that loops over jobs (RBAC, NOTES,
tests) uses this list.
*/}}
{{- define "etcd-ops.jobs" -}}
backup: {suffix: backup, image: backup-job}
restore: {suffix: restore, image: restore-job}
drill: {suffix: drill, image: restore-job}
health: {suffix: health, image: health-checker}
replacer: {suffix: replacer, image: member-replacer}
upgrade: {suffix: upgrade, image: upgrader}
{{- end -}}

{{/* "<fullname>-<suffix>" for a job key. Call with (dict "root" $ "job" "backup"). */}}
{{- define "etcd-ops.jobName" -}}
{{- $jobs := include "etcd-ops.jobs" .root | fromYaml -}}
{{- printf "%s-%s" (include "etcd-ops.fullname" .root) (get (get $jobs .job) "suffix") -}}
{{- end -}}

{{- define "etcd-ops.serviceAccountName" -}}
{{- $v := get .root.Values .job -}}
{{- if $v.serviceAccount.name -}}
{{- $v.serviceAccount.name -}}
{{- else if .root.Values.serviceAccount.create -}}
{{- include "etcd-ops.jobName" . -}}
{{- else -}}
default
{{- end -}}
{{- end -}}

{{- define "etcd-ops.image" -}}
{{- $jobs := include "etcd-ops.jobs" .root | fromYaml -}}
{{- $v := get .root.Values .job -}}
{{- $repo := default (printf "%s/%s" (.root.Values.image.registry | trimSuffix "/") (get (get $jobs .job) "image")) $v.image.repository -}}
{{- $tag := $v.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}

{{/*
Client URLs: target.endpoints, else one per StatefulSet pod through the headless Service.
*/}}
{{- define "etcd-ops.endpoints" -}}
{{- $t := .Values.target -}}
{{- if $t.endpoints -}}
{{- $t.endpoints -}}
{{- else -}}
{{- $scheme := ternary "https" "http" $t.tls.enabled -}}
{{- $svc := default (printf "%s-headless" $t.statefulSet) $t.headlessService -}}
{{- $ns := include "etcd-ops.targetNamespace" . -}}
{{- $urls := list -}}
{{- range $i := until (int $t.replicas) -}}
{{- $urls = append $urls (printf "%s://%s-%d.%s.%s.svc.%s:%d" $scheme $t.statefulSet $i $svc $ns $t.clusterDomain (int $t.clientPort)) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}
{{- end -}}

{{- define "etcd-ops.requireStore" -}}
{{- if not .Values.store.uri -}}
{{- fail "store.uri is required for the backup, restore and drill jobs: file:///path, s3://bucket/prefix, gs://bucket/prefix or azblob://account/container/prefix" -}}
{{- end -}}
{{- if and (hasPrefix "file://" .Values.store.uri) (not .Values.store.file.claimName) -}}
{{- fail "store.file.claimName is required with a file:// store.uri: the PersistentVolumeClaim mounted at the URI's path" -}}
{{- end -}}
{{- end -}}

{{/* env: etcd connection (etcdctl's names). */}}
{{- define "etcd-ops.env.etcd" -}}
- name: ETCDCTL_ENDPOINTS
  value: {{ include "etcd-ops.endpoints" . | quote }}
{{ include "etcd-ops.env.etcdAccess" . }}
{{- end -}}

{{/* env: how to talk to etcd (timeouts, TLS files, user), without the endpoints (jobs that discover them). */}}
{{- define "etcd-ops.env.etcdAccess" -}}
- name: ETCDCTL_DIAL_TIMEOUT
  value: {{ .Values.target.dialTimeout | quote }}
- name: ETCDCTL_COMMAND_TIMEOUT
  value: {{ .Values.target.commandTimeout | quote }}
{{- with .Values.target.tls }}
{{- if .enabled }}
- name: ETCDCTL_CACERT
  value: /etcd-ops/tls/{{ .caKey }}
{{- if .certKey }}
- name: ETCDCTL_CERT
  value: /etcd-ops/tls/{{ .certKey }}
{{- end }}
{{- if .keyKey }}
- name: ETCDCTL_KEY
  value: /etcd-ops/tls/{{ .keyKey }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.target.auth }}
{{- if .enabled }}
- name: ETCDCTL_USER
  value: {{ .user | quote }}
- name: ETCD_OPS_PASSWORD_FILE
  value: /etcd-ops/auth/{{ .passwordKey }}
{{- end }}
{{- end }}
{{- end -}}

{{/* env: the snapshot store. */}}
{{- define "etcd-ops.env.store" -}}
{{- $s := .Values.store -}}
- name: ETCD_OPS_STORE
  value: {{ $s.uri | quote }}
- name: ETCD_OPS_CLUSTER_NAME
  value: {{ include "etcd-ops.clusterName" . | quote }}
{{- if $s.s3.endpoint }}
- name: ETCD_OPS_S3_ENDPOINT
  value: {{ $s.s3.endpoint | quote }}
{{- end }}
{{- if $s.s3.pathStyle }}
- name: ETCD_OPS_S3_PATH_STYLE
  value: "true"
{{- end }}
{{- if $s.s3.region }}
- name: ETCD_OPS_S3_REGION
  value: {{ $s.s3.region | quote }}
{{- end }}
{{- if ne $s.s3.sse "none" }}
- name: ETCD_OPS_S3_SSE
  value: {{ $s.s3.sse | quote }}
{{- end }}
{{- if $s.s3.sseKmsKeyId }}
- name: ETCD_OPS_S3_SSE_KMS_KEY_ID
  value: {{ $s.s3.sseKmsKeyId | quote }}
{{- end }}
{{- if $s.gcs.endpoint }}
- name: ETCD_OPS_GCS_ENDPOINT
  value: {{ $s.gcs.endpoint | quote }}
{{- end }}
{{- if $s.azure.endpoint }}
- name: ETCD_OPS_AZURE_ENDPOINT
  value: {{ $s.azure.endpoint | quote }}
{{- end }}
- name: ETCD_OPS_PART_SIZE_MIB
  value: {{ $s.partSizeMib | quote }}
- name: ETCD_OPS_UPLOAD_PARALLELISM
  value: {{ $s.uploadParallelism | quote }}
{{- if $s.credentials.gcsKeySecret }}
- name: GOOGLE_APPLICATION_CREDENTIALS
  value: /etcd-ops/gcs/{{ $s.credentials.gcsKeySecretKey }}
{{- end }}
{{- end -}}

{{/* env: the encryption key file, for the jobs that write or read snapshot contents (not health). */}}
{{- define "etcd-ops.env.encryption" -}}
{{- if .Values.encryption.secretName }}
- name: ETCD_OPS_ENCRYPTION_KEY_FILE
  value: /etcd-ops/encryption/{{ .Values.encryption.key }}
{{- end }}
{{- end -}}

{{/*
env: the StatefulSet, for jobs that discover the target from it (restore kubernetes, upgrade, replacer): core's
StatefulSetTargetOptions; its TLS client files and etcd user come from the connection env (etcd-ops.env.etcdAccess).
*/}}
{{- define "etcd-ops.env.target" -}}
{{ include "etcd-ops.env.statefulSet" . }}
{{ include "etcd-ops.env.etcdAccess" . }}
{{- end -}}

{{/* env: StatefulSetTargetOptions only (the StatefulSet, its namespace, the discovery overrides the chart knows). */}}
{{- define "etcd-ops.env.statefulSet" -}}
- name: ETCD_OPS_STATEFULSET
  value: {{ .Values.target.statefulSet | quote }}
- name: ETCD_OPS_NAMESPACE
  value: {{ include "etcd-ops.targetNamespace" . | quote }}
{{- with .Values.target.headlessService }}
- name: ETCD_OPS_SERVICE
  value: {{ . | quote }}
{{- end }}
- name: ETCD_OPS_CLUSTER_DOMAIN
  value: {{ .Values.target.clusterDomain | quote }}
{{- with .Values.target.endpoints }}
- name: ETCD_OPS_TARGET_ENDPOINTS
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* env: a job's discoveryOverrides (env name -> value), (dict "overrides" $v.discoveryOverrides). */}}
{{- define "etcd-ops.env.discoveryOverrides" -}}
{{- range $name, $value := .overrides }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* env: report files and logging; every job. */}}
{{- define "etcd-ops.env.common" -}}
- name: ETCD_OPS_OUTPUT_DIR
  value: /etcd-ops/output
- name: ETCD_OPS_LOG_FORMAT
  value: {{ .Values.logFormat | quote }}
- name: ETCD_OPS_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- end -}}

{{- define "etcd-ops.env.extra" -}}
{{- $v := get .root.Values .job -}}
{{- with .root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "etcd-ops.envFrom.store" -}}
{{- with .Values.store.credentials.envSecret }}
envFrom:
  - secretRef:
      name: {{ . }}
{{- end }}
{{- end -}}

{{/* volumeMounts / volumes for connection secrets (TLS, auth). */}}
{{- define "etcd-ops.mounts.etcd" -}}
{{- if .Values.target.tls.enabled }}
- name: etcd-tls
  mountPath: /etcd-ops/tls
  readOnly: true
{{- end }}
{{- if .Values.target.auth.enabled }}
- name: etcd-auth
  mountPath: /etcd-ops/auth
  readOnly: true
{{- end }}
{{- end -}}

{{- define "etcd-ops.volumes.etcd" -}}
{{- with .Values.target.tls }}
{{- if .enabled }}
- name: etcd-tls
  secret:
    secretName: {{ required "target.tls.secretName is required with target.tls.enabled" .secretName }}
    defaultMode: 0440
{{- end }}
{{- end }}
{{- with .Values.target.auth }}
{{- if .enabled }}
- name: etcd-auth
  secret:
    secretName: {{ required "target.auth.secretName is required with target.auth.enabled" .secretName }}
    defaultMode: 0440
    items:
      - key: {{ .passwordKey }}
        path: {{ .passwordKey }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Store mounts: (dict "root" $ "write" true|false). Readers should mount a file store read-only, but today every job
passes write=true: core's FileSnapshotStore.checkAccess (which restore-job fetch/drill call) probes the folder by
creating a file, so a read-only mount fails the restore. Switch the readers to false once that check is read-only.
*/}}
{{- define "etcd-ops.mounts.store" -}}
{{- $write := .write -}}
{{- with .root -}}
{{- if hasPrefix "file://" .Values.store.uri }}
- name: file-store
  mountPath: {{ trimPrefix "file://" .Values.store.uri }}
  {{- if not $write }}
  readOnly: true
  {{- end }}
{{- end }}
{{- if .Values.store.credentials.gcsKeySecret }}
- name: gcs-key
  mountPath: /etcd-ops/gcs
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{- define "etcd-ops.mounts.encryption" -}}
{{- if .Values.encryption.secretName }}
- name: encryption-key
  mountPath: /etcd-ops/encryption
  readOnly: true
{{- end }}
{{- end -}}

{{- define "etcd-ops.volumes.store" -}}
{{- if hasPrefix "file://" .Values.store.uri }}
- name: file-store
  persistentVolumeClaim:
    claimName: {{ .Values.store.file.claimName }}
{{- end }}
{{- with .Values.store.credentials }}
{{- if .gcsKeySecret }}
- name: gcs-key
  secret:
    secretName: {{ .gcsKeySecret }}
    defaultMode: 0440
    items:
      - key: {{ .gcsKeySecretKey }}
        path: {{ .gcsKeySecretKey }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "etcd-ops.volumes.encryption" -}}
{{- with .Values.encryption }}
{{- if .secretName }}
- name: encryption-key
  secret:
    secretName: {{ .secretName }}
    defaultMode: 0440
    items:
      - key: {{ .key }}
        path: {{ .key }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The service-account token, for jobs that talk to the Kubernetes API (etcd-ops.rbacRules not empty), mounted only
into the etcd-ops container (never into init containers): the pod sets automountServiceAccountToken false and
projects the same three files the kubelet would. Call with (dict "root" $ "job" ...).
*/}}
{{- define "etcd-ops.mounts.token" -}}
{{- if include "etcd-ops.rbacRules" . }}
- name: kube-api-access
  mountPath: /var/run/secrets/kubernetes.io/serviceaccount
  readOnly: true
{{- end }}
{{- end -}}

{{- define "etcd-ops.volumes.token" -}}
{{- if include "etcd-ops.rbacRules" . }}
- name: kube-api-access
  projected:
    defaultMode: 0444
    sources:
      - serviceAccountToken:
          path: token
          expirationSeconds: 3607
      - configMap:
          name: kube-root-ca.crt
          items:
            - key: ca.crt
              path: ca.crt
      - downwardAPI:
          items:
            - path: namespace
              fieldRef:
                fieldPath: metadata.namespace
{{- end }}
{{- end -}}

{{/* Writable paths of every etcd-ops container (the root filesystem is read-only). */}}
{{- define "etcd-ops.mounts.writable" -}}
- name: tmp
  mountPath: /tmp
- name: output
  mountPath: /etcd-ops/output
{{- end -}}

{{/* Call with the root context, or (dict "root" $ "tmpSizeLimit" ...) for a job that needs a bigger /tmp. */}}
{{- define "etcd-ops.volumes.writable" -}}
{{- $root := .root | default . -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .tmpSizeLimit | default $root.Values.tmpSizeLimit }}
- name: output
  emptyDir:
    sizeLimit: 16Mi
{{- end -}}

{{/*
A CronJob with the policies every job shares. Call with
  (dict "root" $ "job" "backup" "suspended" false "pod" <rendered pod spec fields, YAML string>)
Templates (restore, upgrade) pass suspended=true: always suspended, a schedule that never fires even if unsuspended.
History limits and deadlines are rendered when not null, so 0 survives.
*/}}
{{- define "etcd-ops.cronjob" -}}
{{- $root := .root -}}
{{- $v := get $root.Values .job -}}
{{- $name := include "etcd-ops.jobName" . -}}
{{- $tz := $v.timeZone | default $root.Values.timeZone -}}
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "etcd-ops.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .job }}
  {{- if .suspended }}
  annotations:
    etcd-ops.io/usage: {{ printf "job template: kubectl -n %s create job %s-<id> --from=cronjob/%s" $root.Release.Namespace $name $name | quote }}
  {{- end }}
spec:
  {{- if .suspended }}
  # a template, never scheduled: Feb 31 does not exist, so even an unsuspended copy never fires
  schedule: "0 0 31 2 *"
  suspend: true
  {{- else }}
  schedule: {{ $v.schedule | quote }}
  suspend: {{ $v.suspend }}
  {{- end }}
  {{- if $tz }}
  timeZone: {{ $tz | quote }}
  {{- end }}
  concurrencyPolicy: Forbid
  {{- if and (not .suspended) (ne $v.startingDeadlineSeconds nil) }}
  startingDeadlineSeconds: {{ $v.startingDeadlineSeconds }}
  {{- end }}
  {{- if ne $v.successfulJobsHistoryLimit nil }}
  successfulJobsHistoryLimit: {{ $v.successfulJobsHistoryLimit }}
  {{- end }}
  {{- if ne $v.failedJobsHistoryLimit nil }}
  failedJobsHistoryLimit: {{ $v.failedJobsHistoryLimit }}
  {{- end }}
  jobTemplate:
    metadata:
      labels:
        {{- include "etcd-ops.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .job }}
    spec:
      {{- if ne $v.backoffLimit nil }}
      backoffLimit: {{ $v.backoffLimit }}
      {{- end }}
      {{- if ne $v.activeDeadlineSeconds nil }}
      activeDeadlineSeconds: {{ $v.activeDeadlineSeconds }}
      {{- end }}
      {{- if ne $v.ttlSecondsAfterFinished nil }}
      ttlSecondsAfterFinished: {{ $v.ttlSecondsAfterFinished }}
      {{- end }}
      template:
        metadata:
          labels:
            {{- include "etcd-ops.selectorLabels" $root | nindent 12 }}
            app.kubernetes.io/component: {{ .job }}
            {{- with $root.Values.podLabels }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- $ann := merge (deepCopy ($v.podAnnotations | default dict)) ($root.Values.podAnnotations | default dict) }}
          {{- with $ann }}
          annotations:
            {{- toYaml . | nindent 12 }}
          {{- end }}
        spec:
          restartPolicy: Never
          serviceAccountName: {{ include "etcd-ops.serviceAccountName" . }}
          automountServiceAccountToken: false
          enableServiceLinks: false
          {{- with $root.Values.podSecurityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $root.Values.imagePullSecrets }}
          imagePullSecrets:
            {{- range . }}
            - name: {{ . }}
            {{- end }}
          {{- end }}
          {{- with $root.Values.priorityClassName }}
          priorityClassName: {{ . }}
          {{- end }}
          {{- with ($v.nodeSelector | default $root.Values.nodeSelector) }}
          nodeSelector:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with ($v.tolerations | default $root.Values.tolerations) }}
          tolerations:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with ($v.affinity | default $root.Values.affinity) }}
          affinity:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- .pod | trim | nindent 10 }}
{{- end -}}

{{/* Indents the output of a template, or renders nothing when it is blank: (dict "n" 6 "text" (include ...)). */}}
{{- define "etcd-ops.block" -}}
{{- $n := .n -}}
{{- with (trim .text) }}{{ . | nindent $n }}{{ end -}}
{{- end -}}

{{/* The securityContext of every container. */}}
{{- define "etcd-ops.containerSecurityContext" -}}
{{- with .Values.securityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
The Kubernetes API rules of a job, (dict "root" $ "job" "backup"); empty: the job does not use the API at all, gets
no Role and no service-account token. backup-job writes Events about each run on the StatefulSet (core/v1 Events)
and reads that one StatefulSet for its uid, so that `kubectl describe statefulset` lists them. restore-job
kubernetes, upgrader and member-replacer change the StatefulSet (or its pods and membership) under the cluster Lease.
health-checker uses the API only with health.statefulSetTarget. restore-job fetch/drill use only etcd and the store.
ChartRbacIT records the requests the jobs make against the Kubernetes simulation and checks these rules against
them, both ways (health-checker: asserted verbatim only, see ChartRbacTest).
*/}}
{{- define "etcd-ops.rbacRules" -}}
{{- $sts := .root.Values.target.statefulSet -}}
{{- if eq .job "backup" -}}
- apiGroups: [""]
  resources: [events]
  verbs: [create]
- apiGroups: [apps]
  resources: [statefulsets]
  resourceNames: [{{ $sts | quote }}]
  verbs: [get]
{{- else if and (eq .job "restore") (eq .root.Values.restore.mode "kubernetes") -}}
- apiGroups: [""]
  resources: [events]
  verbs: [create]
# discovery, the progress record (an annotation), scaling to 0 and back
- apiGroups: [apps]
  resources: [statefulsets]
  resourceNames: [{{ $sts | quote }}]
  verbs: [get, patch]
- apiGroups: [apps]
  resources: [statefulsets/scale]
  resourceNames: [{{ $sts | quote }}]
  verbs: [get, update]
# the cluster Lease etcd-ops-<statefulset>: one mutating operation at a time (create cannot be limited by name)
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  resourceNames: [{{ printf "etcd-ops-%s" $sts | quote }}]
  verbs: [get, update]
# the restore pods (one per member), waiting for the members' pods to go; in a pod it also reads its own
- apiGroups: [""]
  resources: [pods]
  verbs: [get, create, delete, deletecollection]
{{- else if eq .job "replacer" -}}
- apiGroups: [""]
  resources: [events]
  verbs: [create]
# discovery; the annotations etcd-ops.io/unhealthy-since and etcd-ops.io/progress
- apiGroups: [apps]
  resources: [statefulsets]
  resourceNames: [{{ $sts | quote }}]
  verbs: [get, patch]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  resourceNames: [{{ printf "etcd-ops-%s" $sts | quote }}]
  verbs: [get, update]
# the members' pods (health; hold with a finalizer, delete, release) and the seed pod "<pod>-seed" (create, find by
# label, delete)
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, create, delete, patch]
# StatefulSets whose pod scripts rejoin by themselves (Bitnami): the replaced member's claims are deleted to wipe it
- apiGroups: [""]
  resources: [persistentvolumeclaims]
  verbs: [delete]
{{- else if and (eq .job "health") .root.Values.health.statefulSetTarget -}}
- apiGroups: [""]
  resources: [events]
  verbs: [create]
- apiGroups: [apps]
  resources: [statefulsets]
  resourceNames: [{{ $sts | quote }}]
  verbs: [get]
{{- if or .root.Values.health.defrag .root.Values.health.recoverNospace }}
# --defrag / --recover-nospace act under the cluster Lease
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  resourceNames: [{{ printf "etcd-ops-%s" $sts | quote }}]
  verbs: [get, update]
{{- end }}
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
{{- else if eq .job "upgrade" -}}
- apiGroups: [""]
  resources: [events]
  verbs: [create]
- apiGroups: [apps]
  resources: [statefulsets]
  resourceNames: [{{ $sts | quote }}]
  verbs: [get, patch]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  resourceNames: [{{ printf "etcd-ops-%s" $sts | quote }}]
  verbs: [get, update]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, delete]
{{- end -}}
{{- end -}}
