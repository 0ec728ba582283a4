#!/bin/bash
# Entrypoint of gridbox's MariaDB image. On the first start of an empty datadir it copies the
# system tables made at build time, then sets up the accounts and database that the official
# MySQL image's variables ask for (what @testcontainers/mysql sets):
#   MYSQL_ROOT_PASSWORD (required, or MYSQL_ALLOW_EMPTY_PASSWORD=yes), MYSQL_DATABASE,
#   MYSQL_USER with MYSQL_PASSWORD (granted everything on MYSQL_DATABASE).
# The MARIADB_* spellings are accepted too. Port 3306 stays closed until the final server runs:
# the set-up server has networking off, because testcontainers takes an open port for readiness.
set -euo pipefail

if [ "$#" -eq 0 ] || [ "${1:0:1}" = '-' ]; then
  set -- mariadbd "$@"
fi
if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then
  exec "$@"
fi

datadir=/var/lib/mysql
root_password=${MYSQL_ROOT_PASSWORD:-${MARIADB_ROOT_PASSWORD:-}}
allow_empty=${MYSQL_ALLOW_EMPTY_PASSWORD:-${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-}}
database=${MYSQL_DATABASE:-${MARIADB_DATABASE:-}}
user=${MYSQL_USER:-${MARIADB_USER:-}}
password=${MYSQL_PASSWORD:-${MARIADB_PASSWORD:-}}

log() { echo "gridbox-mariadb: $*" >&2; }
fail() {
  log "$*"
  exit 1
}

# SQL string and identifier literals.
sql_string() {
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\'\'}"
}
sql_name() { printf '`%s`' "${1//\`/\`\`}"; }

# A tmpfs mounted on the datadir (the fast way to run tests) belongs to root.
mkdir -p "$datadir" /run/mysqld
chown mysql:mysql "$datadir" /run/mysqld

if [ ! -d "$datadir/mysql" ]; then
  if [ -z "$root_password" ] && [ "$allow_empty" != yes ] && [ "$allow_empty" != 1 ]; then
    fail 'set MYSQL_ROOT_PASSWORD (or MYSQL_ALLOW_EMPTY_PASSWORD=yes) for the first start'
  fi
  if [ -n "$user" ] && [ -z "$password" ]; then
    fail "MYSQL_USER=$user needs MYSQL_PASSWORD"
  fi
  if [ "$user" = root ]; then
    fail 'MYSQL_USER must not be root: MYSQL_ROOT_PASSWORD sets the root password'
  fi
  log 'first start: copying the system tables made at build time'
  cp -a /usr/share/gridbox-mariadb/seed/. "$datadir/"
  chown -R mysql:mysql "$datadir"

  # 1. A set-up server without networking, on a private socket.
  socket=/run/mysqld/setup.sock
  "$@" --user=mysql --datadir="$datadir" --skip-networking --socket="$socket" \
    --skip-log-bin --innodb-buffer-pool-size=32M &
  setup_pid=$!
  for _ in $(seq 1 600); do
    if mariadb-admin --socket="$socket" -uroot ping >/dev/null 2>&1; then
      break
    fi
    kill -0 "$setup_pid" 2>/dev/null || fail 'the set-up server stopped before it answered'
    sleep 0.1
  done
  mariadb-admin --socket="$socket" -uroot ping >/dev/null 2>&1 ||
    fail 'the set-up server did not answer within 60 s'

  # 2. Accounts. mariadb-install-db also makes root@127.0.0.1, root@::1 and root@<build host>;
  #    they would shadow root@'%' for TCP logins, so only root@localhost (socket) stays.
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.global_priv WHERE User='' OR (User='root' AND Host<>'localhost');"
    echo "DELETE FROM mysql.proxies_priv WHERE Host<>'localhost';"
    echo "FLUSH PRIVILEGES;"
    rp=$(sql_string "$root_password")
    echo "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD($rp);"
    echo "CREATE USER root@'%' IDENTIFIED BY $rp;"
    echo "GRANT ALL ON *.* TO root@'%' WITH GRANT OPTION;"
    if [ -n "$database" ]; then
      echo "CREATE DATABASE IF NOT EXISTS $(sql_name "$database");"
    fi
    if [ -n "$user" ]; then
      echo "CREATE USER $(sql_string "$user")@'%' IDENTIFIED BY $(sql_string "$password");"
      if [ -n "$database" ]; then
        echo "GRANT ALL ON $(sql_name "$database").* TO $(sql_string "$user")@'%';"
      fi
    fi
  } | mariadb --socket="$socket" -uroot --protocol=socket ||
    fail 'setting up the accounts failed'

  # 3. Stop the set-up server before the real one opens port 3306.
  kill -TERM "$setup_pid"
  wait "$setup_pid" || fail 'the set-up server did not stop cleanly'
  log 'first start done'
fi

exec "$@" --user=mysql --datadir="$datadir"
