#!/usr/bin/env bash
# wait-job.sh NAMESPACE JOB TIMEOUT_SECONDS: waits until the Job completes or fails, prints its JSON report (the last line of
# its log) and exits 0 only if it completed. (kubectl wait can wait for one condition only; a failed Job would make
# `kubectl wait --for=condition=complete` hang until the timeout.) Copy it to .github/scripts/ next to the workflow.
set -euo pipefail
ns=$1 job=$2 timeout=${3:-1800}
deadline=$(( $(date +%s) + timeout ))
while :; do
  state=$(kubectl -n "$ns" get job "$job" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
  case " $state " in
    *" Complete "*) result=0; break ;;
    *" Failed "*) result=1; break ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || { echo "job $job: no result after ${timeout}s" >&2; exit 1; }
  sleep 10
done
echo "job $job: $( [ $result = 0 ] && echo completed || echo failed ); report:"
kubectl -n "$ns" logs job/"$job" --tail=1
exit $result
