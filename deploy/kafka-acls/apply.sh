#!/usr/bin/env bash
# Applies the least-privilege ACLs of acls.conf (one principal per service) with Kafka's kafka-acls.sh.
#
#   KAFKA_BOOTSTRAP_SERVERS=broker:9093 KAFKA_ADMIN_CONFIG=admin.properties ./apply.sh [--dry-run]
#
# KAFKA_ADMIN_CONFIG   client properties of a principal allowed to alter ACLs (passed as --command-config)
# KAFKA_TOPIC_PREFIX   the services' KAFKA_TOPIC_PREFIX (default none)
# <SERVICE>_PRINCIPAL  e.g. TOKEN_SERVICE_PRINCIPAL=User:token-service (the default: User:<service>); with
#                      mutual TLS it is the certificate's principal, e.g. User:CN=token-service,O=acme
# SESSION_CONSUMER_GROUP  session-service's group when you changed it (default <prefix>session-service)
# KAFKA_ACLS_CMD       the kafka-acls command (default kafka-acls.sh on PATH, else /opt/kafka/bin/kafka-acls.sh)
# --dry-run            print the commands instead of running them
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
conf="${ACLS_CONF:-$here/acls.conf}"
dry_run=false
[[ "${1:-}" == "--dry-run" ]] && dry_run=true

: "${KAFKA_BOOTSTRAP_SERVERS:?set KAFKA_BOOTSTRAP_SERVERS}"
if [[ -z "${KAFKA_ACLS_CMD:-}" ]]; then
  if command -v kafka-acls.sh >/dev/null 2>&1; then KAFKA_ACLS_CMD=kafka-acls.sh; else KAFKA_ACLS_CMD=/opt/kafka/bin/kafka-acls.sh; fi
fi
prefix="${KAFKA_TOPIC_PREFIX:-}"
admin=()
if [[ -n "${KAFKA_ADMIN_CONFIG:-}" ]]; then admin=(--command-config "$KAFKA_ADMIN_CONFIG"); fi

principal_of() {
  local var
  var="$(echo "$1" | tr 'a-z-' 'A-Z_')_PRINCIPAL"
  echo "${!var:-User:$1}"
}

while read -r service type name operations; do
  [[ -z "$service" || "$service" == \#* ]] && continue
  resolved="${name//\{prefix\}/$prefix}"
  if [[ "$type" == group && "$name" == "{prefix}session-service" && -n "${SESSION_CONSUMER_GROUP:-}" ]]; then
    resolved="$SESSION_CONSUMER_GROUP"
  fi
  ops=()
  IFS=',' read -ra list <<< "$operations"
  for op in "${list[@]}"; do ops+=(--operation "$op"); done
  cmd=("$KAFKA_ACLS_CMD" --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" "${admin[@]}" --add
       --allow-principal "$(principal_of "$service")" "${ops[@]}" "--$type" "$resolved"
       --resource-pattern-type literal)
  if $dry_run; then
    printf '%q ' "${cmd[@]}"; echo
  else
    "${cmd[@]}"
  fi
done < "$conf"
