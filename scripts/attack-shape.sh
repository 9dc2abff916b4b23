#!/usr/bin/env bash
# attack-shape.sh attacks a running server as an outside client would, for
# three findings of issue 14: quadratic validation (documents of repeated
# fields, sent with a nonce so that no cache helps), responses made huge by
# long texts, and the persisted-query cache as an oracle between
# workspaces. It prints what each probe got; it is not part of make test.
#
#   TOKEN_A=$(server token --workspace "$(uuidgen)") \
#   TOKEN_B=$(server token --workspace "$(uuidgen)") scripts/attack-shape.sh
#
# URL defaults to http://localhost:8080/graphql. Workspace A gets 60
# contacts with long names.
set -euo pipefail

URL=${URL:-http://localhost:8080/graphql}
: "${TOKEN_A:?set TOKEN_A to a token of one workspace, with contacts:write}"
: "${TOKEN_B:?set TOKEN_B to a token of another workspace}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# post TOKEN FILE prints the response's HTTP status, seconds and size, and
# its first error code.
post() {
	local out response
	response=$(mktemp -p "$work")
	out=$(curl -sS -o "$response" -w '%{http_code} %{time_total}s %{size_download}B' \
		-H "Authorization: Bearer $1" -H 'Content-Type: application/json' --data-binary "@$2" "$URL")
	echo "$out $(jq -r '.errors[0].extensions.code // "-"' "$response" 2>/dev/null || echo '(not JSON)')"
}

# query DOCUMENT writes a request body of DOCUMENT to $work/body.
query() { jq -n --arg q "$1" '{query: $q}' >"$work/body"; }

repeat() { local i; for ((i = 0; i < $2; i++)); do printf '%s ' "$1"; done; }

echo "== quadratic validation"
query "{ contacts(first: 1) { nodes { $(repeat id 9000) } } } # $RANDOM$RANDOM"
echo "9,000 ids (2.9 s before; want TOO_MANY_FIELDS): $(post "$TOKEN_A" "$work/body")"
query "{ contact(id: \"contact_none\") { $(repeat "phones { contact { $(repeat id 21) } }" 21) } } # $RANDOM$RANDOM"
echo "21 copies of 21 ids, under the limits (want a few ms): $(post "$TOKEN_A" "$work/body")"
query "{ contact(id: \"contact_none\") { $(repeat "...F" 201) } } fragment F on Contact { id } # $RANDOM"
echo "201 spreads (want TOO_MANY_FRAGMENT_SPREADS): $(post "$TOKEN_A" "$work/body")"
query "{ contacts(first: 1) { nodes { $(repeat id 9000) } } } # $RANDOM$RANDOM"
for i in 1 2 3 4; do post "$TOKEN_A" "$work/body" >"$work/parallel$i" & done
wait
echo "four at once: $(cat "$work"/parallel* | tr '\n' ';')"

echo "== long texts"
head -c 1000000 /dev/zero | tr '\0' x >"$work/long"
refused=0
for i in $(seq 1 60); do
	jq -n --rawfile long "$work/long" --arg id "attack-$i" \
		'{query: "mutation($inputs: [UpsertContactInput!]!) { bulkUpsertContacts(inputs: $inputs) { results { userErrors { code } } } }",
		  variables: {inputs: [{externalId: $id, name: "Long", firstName: $long, lastName: $long}]}}' >"$work/body"
	curl -sS -o "$work/response" -H "Authorization: Bearer $TOKEN_A" -H 'Content-Type: application/json' --data-binary "@$work/body" "$URL"
	if [[ $(jq -r '[.errors[]?, .data.bulkUpsertContacts.results[]?.userErrors[]?] | length' "$work/response") != 0 ]]; then
		refused=$((refused + 1))
	fi
done
echo "contacts with 1 MB names refused: $refused of 60"
query '{ contacts(first: 60) { nodes { firstName lastName } } }'
echo "a page of them (117 MB before; want RESPONSE_TOO_LARGE or short names): $(post "$TOKEN_A" "$work/body")"

echo "== persisted queries between workspaces"
doc="query Secret$RANDOM { contacts { totalCount } }"
hash=$(printf '%s' "$doc" | sha256sum | cut -d' ' -f1)
jq -n --arg q "$doc" --arg h "$hash" '{query: $q, extensions: {persistedQuery: {version: 1, sha256Hash: $h}}}' >"$work/body"
echo "A sends the document: $(post "$TOKEN_A" "$work/body")"
jq -n --arg h "$hash" '{extensions: {persistedQuery: {version: 1, sha256Hash: $h}}}' >"$work/body"
echo "A asks by hash (want -): $(post "$TOKEN_A" "$work/body")"
echo "B asks by hash (want PERSISTED_QUERY_NOT_FOUND): $(post "$TOKEN_B" "$work/body")"
