#!/usr/bin/env bash
# ensure-postgres.sh makes sure the PostgreSQL server binaries (initdb, pg_ctl)
# are installed, because the tests and the dev server start a private cluster
# with them (see db/localpg). It installs them when it can (root with apt-get)
# and otherwise says what to install.
set -euo pipefail

have_initdb() {
	command -v initdb >/dev/null 2>&1 && return 0
	# Debian keeps the server binaries off PATH, in a versioned directory.
	local f
	for f in /usr/lib/postgresql/*/bin/initdb; do
		[[ -x $f ]] && return 0
	done
	return 1
}

if have_initdb; then
	exit 0
fi

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
	apt-get update -qq
	# postgresql-contrib provides extensions such as pg_stat_statements.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
	if have_initdb; then
		echo "ensure-postgres: installed the PostgreSQL server (postgresql, postgresql-contrib)"
		exit 0
	fi
	echo "ensure-postgres: installed postgresql, but initdb is still not found on PATH or in /usr/lib/postgresql/*/bin" >&2
	exit 1
fi

cat >&2 <<'MSG'
ensure-postgres: PostgreSQL server binaries (initdb, pg_ctl) not found.
Install them with:
  sudo apt-get install postgresql    (Debian/Ubuntu)
or your system's postgresql server package, or set DATABASE_URL / TEST_DATABASE_URL
to an existing server.
MSG
exit 1
