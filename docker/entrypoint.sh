#!/bin/sh
# Migrate, then start whatever the container was asked to run (web by default). Workers and beat
# skip the migration: only one process should run it (the web container).
set -eu

if [ "${RUN_MIGRATIONS:-1}" = "1" ]; then
  python manage.py migrate --noinput
fi

exec "$@"
