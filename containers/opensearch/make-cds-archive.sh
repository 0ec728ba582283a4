#!/bin/bash
# Makes an AppCDS archive of the classes an OpenSearch start loads, at image build time, and
# points the JVM at it. Under CPU contention the archive and C1-only JIT bring a start from
# about 90 s to about 20 s.
# -XX:ArchiveClassesAtExit cannot be used: OpenSearch's launcher probes the JVM with
# -Xshare:off, which that flag refuses. So: record the class list, then dump it with
# -Xshare:dump, leaving out class-list lines of 4096 characters or more (long lambda-proxy
# entries), which make the dump fail.
set -euo pipefail
home=$OPENSEARCH_HOME
list=$(mktemp /tmp/opensearch-classes.XXXXXX)
log=$(mktemp /tmp/opensearch-cds-run.XXXXXX)

# A request over bash's /dev/tcp (the image has no HTTP client); prints the status line.
request() {
  local method=$1 path=$2 body=${3:-}
  exec 3<>/dev/tcp/127.0.0.1/9200
  printf '%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$method" "$path" "${#body}" "$body" >&3
  head -n 1 <&3
  exec 3<&-
}

# 1. Start a server that records the classes it loads, and use it a little.
OPENSEARCH_JAVA_OPTS="$OPENSEARCH_JAVA_OPTS -XX:DumpLoadedClassList=$list" \
  opensearch -Ediscovery.type=single-node -Enetwork.host=127.0.0.1 >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  if request GET / 2>/dev/null | grep -q ' 200 '; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
request GET / | grep -q ' 200 ' || { cat "$log" >&2; echo 'OpenSearch did not answer in 300 s' >&2; exit 1; }
request PUT /cds-warmup '{"mappings":{"properties":{"n":{"type":"keyword"},"t":{"type":"date"}}}}'
request POST '/cds-warmup/_update/1?retry_on_conflict=3&refresh=true' '{"doc":{"n":"a","t":"2026-01-01T00:00:00Z"},"doc_as_upsert":true}'
request POST /cds-warmup/_search '{"query":{"bool":{"filter":[{"term":{"n":"a"}},{"range":{"t":{"gte":"2025-01-01"}}}]}},"sort":[{"t":"desc"}],"from":0,"size":10}'
request DELETE /cds-warmup
kill -TERM "$pid"
wait "$pid" || true

# 2. Dump the archive with the class path the launcher uses.
archive=$home/opensearch.jsa
awk 'length($0) < 4096' "$list" >"$list.ok"
"$OPENSEARCH_JAVA_HOME/bin/java" -Xshare:dump -XX:SharedClassListFile="$list.ok" \
  -XX:SharedArchiveFile="$archive" -cp "$home/lib/*" >/dev/null
echo "-XX:SharedArchiveFile=$archive" >"$home/config/jvm.options.d/cds.options"

# 3. Leave nothing of the run behind: the image must start as a new node.
rm -rf "$list" "$list.ok" "$log" "$home"/data/* "$home"/logs/* "$home/.cache" /tmp/opensearch-* /tmp/hsperfdata_opensearch
