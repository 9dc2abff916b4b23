#!/usr/bin/env bash
# ensure-chromium.sh makes sure Chromium is installed, because the
# playground's browser test (httpapi/browser_test.go) drives it headless.
# As root it installs Debian's chromium package; otherwise it says what to
# install. Without Chromium that test is skipped on a developer's machine
# and fails in CI (where CI is set), so this script fails only when an
# install it tried failed.
set -euo pipefail

have_chromium() {
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1
}

if have_chromium; then
	exit 0
fi

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
	echo "ensure-chromium: installing Debian's chromium for the browser test (once)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
	if have_chromium; then
		echo "ensure-chromium: installed $(chromium --version 2>/dev/null)"
		exit 0
	fi
	echo "ensure-chromium: installed chromium, but it is still not on PATH" >&2
	exit 1
fi

cat >&2 <<'MSG'
ensure-chromium: Chromium not found; the playground's browser test will be skipped.
Install it with:
  sudo apt-get install chromium    (Debian; chromium-browser on Ubuntu)
MSG
