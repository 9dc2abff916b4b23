#!/usr/bin/env bash
# ensure-audit.sh installs the npm packages of the GraphQL-over-HTTP audit
# (graph/testdata/audit, pinned by its package-lock.json), which
# graph/audit_test.go runs with Node.js. Without Node.js and npm it says so:
# the test is then skipped on a developer's machine and fails in CI.
set -euo pipefail
dir="$(dirname "$0")/../graph/testdata/audit"

if [[ -d "$dir/node_modules/graphql-http" ]]; then
	exit 0
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "ensure-audit: Node.js and npm not found; the GraphQL-over-HTTP audit test will be skipped." >&2
	exit 0
fi
echo "ensure-audit: installing the audit's npm packages (once)"
npm ci --prefix "$dir" --no-audit --no-fund --silent
