#!/usr/bin/env bash
# Attacks a running server's idempotency keys from outside, as issue 14
# (sections 4 and 5) found them open: another caller replaying a
# keys:admin caller's Idempotency-Key and body to learn a new API key's
# secret, a FORBIDDEN answer kept for a caller who has the scope, and
# concurrent retries of one key doing the work more than once.
#
#   JWT_SECRET=… URL=http://localhost:8080 scripts/attack-idempotency.sh
#
# It signs its tokens with the server's JWT_SECRET (bin/contacts token), in
# a new workspace of its own, and prints one line per attack: "held" or
# "OPEN". With DATABASE_URL set (and psql), it also searches the stored
# responses for the secret. The exit code is the number of open holes.
set -euo pipefail
url=${URL:-http://localhost:8080}/graphql
: "${JWT_SECRET:?set JWT_SECRET to the secret the server signs with}"
cd "$(dirname "$0")/.."
go build -o bin/contacts .
ws=$(cat /proc/sys/kernel/random/uuid)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
open=0

token() { bin/contacts token --workspace "$ws" --subject "$1" --scope "$2" --ttl 1h; }

# post NAME TOKEN KEY QUERY: sends QUERY with the Idempotency-Key KEY;
# the status goes to $out/NAME.status, the headers and body beside it.
post() {
	jq -n --arg q "$4" '{query: $q}' | curl -s -o "$out/$1.body" -D "$out/$1.headers" -w '%{http_code}' \
		-H "Authorization: Bearer $2" -H 'Content-Type: application/json' -H "Idempotency-Key: $3" \
		--data-binary @- "$url" >"$out/$1.status"
}

verdict() { # verdict NAME OK: prints whether the attack NAME was held
	if [ "$2" = 0 ]; then echo "held  $1"; else echo "OPEN  $1"; open=$((open + 1)); fi
}

admin=$(token admin "contacts:read contacts:write keys:admin")
create='mutation { createApiKey(input: {name: "attack", scopes: ["contacts:read"]}) { apiKey { id } secret } }'

post reader-key "$admin" "setup-reader" "$create"
reader=$(jq -r .data.createApiKey.secret "$out/reader-key.body")
post victim "$admin" "victim-key" "$create"
secret=$(jq -r .data.createApiKey.secret "$out/victim.body")
[ "${secret#ck_}" != "$secret" ] || { echo "createApiKey failed: $(cat "$out/victim.body")"; exit 100; }

for caller in "a contacts:read API key|$reader" "a token without scopes|$(token admin "")" \
	"a token of the same subject with fewer scopes|$(token admin "contacts:read contacts:write")" \
	"a token of another subject with every scope|$(token mallory "contacts:read contacts:write keys:admin")"; do
	name=${caller%%|*}
	post replay "${caller#*|}" "victim-key" "$create"
	held=1
	if [ "$(cat "$out/replay.status")" = 422 ] && grep -q IDEMPOTENCY_KEY_REUSED "$out/replay.body" && ! grep -q "$secret" "$out/replay.body"; then
		held=0
	fi
	verdict "$name replays a keys:admin caller's createApiKey: $(cat "$out/replay.status") $(head -c 160 "$out/replay.body")" $held
done

post own-replay "$(token admin "keys:admin contacts:write contacts:read")" "victim-key" "$create"
held=1
if grep -qi '^Idempotent-Replayed: true' "$out/own-replay.headers" && ! grep -q "$secret" "$out/own-replay.body" && grep -q SECRET_NOT_REPLAYED "$out/own-replay.body"; then
	held=0
fi
verdict "the caller's own replay shows no secret: $(head -c 200 "$out/own-replay.body")" $held

post forbidden "$(token writer "contacts:read contacts:write")" "forbidden-key" "$create"
post after-forbidden "$admin" "forbidden-key" "$create"
held=1
if grep -q FORBIDDEN "$out/forbidden.body" && ! grep -qi '^Idempotent-Replayed' "$out/after-forbidden.headers" && grep -q '"secret":"ck_' "$out/after-forbidden.body"; then
	held=0
fi
verdict "a FORBIDDEN answer is not replayed to a caller with the scope: $(head -c 160 "$out/after-forbidden.body")" $held

contact='mutation { createContact(input: {name: "Once"}) { contact { id } } }'
for i in $(seq 20); do post "retry-$i" "$admin" "once-key" "$contact" & done
wait
count=$(jq -n --arg q '{ contacts { totalCount } }' '{query: $q}' | curl -s -H "Authorization: Bearer $admin" \
	-H 'Content-Type: application/json' --data-binary @- "$url" | jq .data.contacts.totalCount)
held=1
[ "$count" = 1 ] && held=0
verdict "20 concurrent retries of one createContact stored $count contact(s)" $held

if [ -n "${DATABASE_URL:-}" ] && command -v psql >/dev/null; then
	found=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM idempotency_keys WHERE position(convert_to('$secret', 'UTF8') IN coalesce(response, '')) > 0")
	held=1
	[ "$found" = 0 ] && held=0
	verdict "stored responses holding the secret: $found" $held
fi
exit $open
