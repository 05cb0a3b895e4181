#!/usr/bin/env bash
# Builds the Lapps and serves every component of spin.toml on one machine, with
# their state in the embedded SQLite database (.spin/sqlite_db.db, Spin's default).
#
# A demo org is configured unless the environment says otherwise:
#   x-org-id: demo, x-api-key: demo-key (admin key: demo-admin), OTPs kept by the
#   Test `log` gateway (read them at GET /otp/test/last-message?phone=...).
# Extra arguments go to `recrules-host up` (e.g. --listen 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export SPIN_VARIABLE_ORG_API_KEYS="${SPIN_VARIABLE_ORG_API_KEYS:-{\"demo\":\"demo-key\"\}}"
export SPIN_VARIABLE_ORG_ADMIN_KEYS="${SPIN_VARIABLE_ORG_ADMIN_KEYS:-{\"demo\":\"demo-admin\"\}}"
export SPIN_VARIABLE_LAPP_ENV="${SPIN_VARIABLE_LAPP_ENV:-Test}"
export SPIN_VARIABLE_SMS_GATEWAY="${SPIN_VARIABLE_SMS_GATEWAY:-log}"
exec cargo run --release -p recrules-host -- up --build "$@"
