#!/usr/bin/env bash
# playground-assets.sh refreshes the playground's browser assets in
# httpapi/playground/assets from pinned npm packages, so that the server
# embeds them and the playground never loads anything from another host.
# Only `make playground-assets` needs npm; builds and tests use the
# committed files.
#
# The pins: GraphiQL 4.1.2 is the last release that ships a browser
# bundle usable without a bundler (graphiql.min.js, a UMD that expects
# React and ReactDOM as globals; 5.x publishes ES modules only), React 18
# is the last major with UMD builds, and @graphiql/plugin-explorer 4.0.6
# is the explorer UMD that matches GraphiQL 4. This is the set gqlgen's
# own playground used.
set -euo pipefail

packages=(
	react@18.2.0
	react-dom@18.2.0
	graphiql@4.1.2
	@graphiql/plugin-explorer@4.0.6
)

root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/httpapi/playground/assets
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v npm >/dev/null || { echo "playground-assets: npm not found; install Node.js and npm" >&2; exit 1; }

cd "$work"
npm pack --silent --json "${packages[@]}" >pack.json
for tarball in *.tgz; do
	mkdir -p "${tarball%.tgz}"
	tar -xzf "$tarball" -C "${tarball%.tgz}"
done

# copy FILE DEST copies a package file, dropping its source map comment:
# the maps are not shipped, and a browser would ask for them.
copy() {
	mkdir -p "$(dirname "$2")"
	sed -e 's|//# sourceMappingURL=.*$||' -e 's|/\*# sourceMappingURL=.*\*/||' "$1" >"$2"
}

rm -rf "$dest"
copy react-18.2.0/package/umd/react.production.min.js "$dest/react/react.production.min.js"
cp react-18.2.0/package/LICENSE "$dest/react/LICENSE"
copy react-dom-18.2.0/package/umd/react-dom.production.min.js "$dest/react-dom/react-dom.production.min.js"
cp react-dom-18.2.0/package/LICENSE "$dest/react-dom/LICENSE"
copy graphiql-4.1.2/package/graphiql.min.js "$dest/graphiql/graphiql.min.js"
copy graphiql-4.1.2/package/graphiql.min.css "$dest/graphiql/graphiql.min.css"
cp graphiql-4.1.2/package/LICENSE "$dest/graphiql/LICENSE"
explorer=graphiql-plugin-explorer-4.0.6/package
copy "$explorer/dist/index.umd.js" "$dest/plugin-explorer/index.umd.js"
copy "$explorer/dist/style.css" "$dest/plugin-explorer/style.css"
# The explorer's package has no LICENSE file of its own: its package.json
# says MIT, and it lives in the same repository as graphiql, whose
# LICENSE covers it.
{
	echo "@graphiql/plugin-explorer is published under the MIT license (its package.json);"
	echo "its package ships no LICENSE file. It is developed in the graphql/graphiql"
	echo "repository, whose license follows."
	echo
	cat graphiql-4.1.2/package/LICENSE
} >"$dest/plugin-explorer/LICENSE"

{
	echo "# Pinned by scripts/playground-assets.sh (make playground-assets)."
	echo "# package@version sha512 integrity of the npm tarball"
	node -e 'for (const p of JSON.parse(require("fs").readFileSync("pack.json"))) console.log(`${p.name}@${p.version} ${p.integrity}`)'
} >"$dest/VERSIONS"

echo "playground-assets: wrote $(find "$dest" -type f | wc -l) files to ${dest#"$root"/}"
