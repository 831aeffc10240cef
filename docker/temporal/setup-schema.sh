#!/bin/sh
# Runs in temporalio/admin-tools (the compose service temporal-schema) before the Temporal server starts:
# creates Temporal's two databases on MySQL 8 and brings both schemas to this admin-tools version.
# Safe on every start: create is CREATE DATABASE IF NOT EXISTS, setup-schema leaves a newer schema
# version alone, and update-schema applies only the versions a database does not have yet.
# The password comes from SQL_PASSWORD (set in compose.yaml), so it never shows in the process list.
set -eu

host=mysql
port=3306

echo "waiting for MySQL at $host:$port"
until nc -z -w 5 "$host" "$port"; do sleep 1; done

for db in temporal temporal_visibility; do
  case "$db" in
    temporal) dir=/etc/temporal/schema/mysql/v8/temporal/versioned ;;
    temporal_visibility) dir=/etc/temporal/schema/mysql/v8/visibility/versioned ;;
  esac
  echo "schema of $db"
  temporal-sql-tool --plugin mysql8 --ep "$host" -p "$port" -u root --db "$db" create
  temporal-sql-tool --plugin mysql8 --ep "$host" -p "$port" -u root --db "$db" setup-schema -v 0.0
  temporal-sql-tool --plugin mysql8 --ep "$host" -p "$port" -u root --db "$db" update-schema -d "$dir"
done
echo "Temporal schemas are up to date"
