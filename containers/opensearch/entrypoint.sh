#!/bin/bash
# Entrypoint of gridbox's OpenSearch image. Like the official image's, it turns environment
# variables named like settings (`discovery.type=single-node`) into `-E` options, which is how
# @testcontainers/opensearch's OpenSearchContainer configures the server.
# This distribution has no security plugin, so plugins.security.* settings are dropped (the
# server would stop on an unknown setting), and a request for security stops the container at
# once, instead of leaving a client waiting for HTTPS that never comes.
set -euo pipefail

if [ "$#" -eq 0 ] || [ "${1:0:1}" = '-' ]; then
  set -- opensearch "$@"
fi
if [ "$1" != opensearch ]; then
  exec "$@"
fi
shift

refuse_security() {
  echo "gridbox-opensearch: $1 asks for the security plugin, which this image (OpenSearch from Maven Central) does not have; turn security off (OpenSearchContainer.withSecurityEnabled(false), plugins.security.disabled=true)" >&2
  exit 64
}

settings=()
has_discovery_type=false
# Returns 0 if the setting NAME=VALUE is kept.
keep_setting() {
  local name=${1%%=*} value=${1#*=}
  case "$name" in
    plugins.security.disabled)
      [ "$value" = true ] || refuse_security "$name=$value"
      return 1
      ;;
    plugins.security.*)
      echo "gridbox-opensearch: ignoring $name (no security plugin)" >&2
      return 1
      ;;
    discovery.type) has_discovery_type=true ;;
  esac
  return 0
}

while IFS='=' read -r -d '' name value; do
  if [[ "$name" =~ ^[a-z0-9_]+\.[a-z0-9_]+ ]]; then
    if keep_setting "$name=$value"; then
      settings+=("-E$name=$value")
    fi
  fi
done < <(env -0)

args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    -E)
      [ "$#" -ge 2 ] || break
      if keep_setting "$2"; then args+=("-E$2"); fi
      shift 2
      continue
      ;;
    -E*)
      if keep_setting "${1#-E}"; then args+=("$1"); fi
      ;;
    *) args+=("$1") ;;
  esac
  shift
done

if [ "$has_discovery_type" = false ]; then
  settings+=('-Ediscovery.type=single-node')
fi

exec opensearch "${settings[@]}" "${args[@]}"
