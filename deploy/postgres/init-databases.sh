#!/bin/sh
# Runs once, when the PostgreSQL volume is first created: one database per service
# (spec: each service owns its own database).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE DATABASE identity;
CREATE DATABASE attendance;
SQL
