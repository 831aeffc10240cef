#!/bin/sh
# Runs in temporalio/admin-tools (the compose service temporal-namespace) once the Temporal server is up:
# registers the namespace Corral's workers use (NAMESPACE, which must be temporal.namespace in
# corral.yaml). The temporalio/server image, unlike the old auto-setup image, creates none.
# Safe on every start: an existing namespace is left as it is.
set -eu

address="${TEMPORAL_ADDRESS:?}"
namespace="${NAMESPACE:?}"

tries=0
until temporal operator cluster health --address "$address"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "Temporal at $address is not healthy after $tries tries" >&2
    exit 1
  fi
  sleep 2
done

if temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
  echo "namespace $namespace exists"
else
  temporal operator namespace create --namespace "$namespace" --retention 72h --address "$address"
  echo "namespace $namespace created"
fi
