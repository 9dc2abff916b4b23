#!/usr/bin/env bash
# attack-text.sh probes a running server with hostile text, as an outside
# client would: values far over the schema's maxima, NUL and invalid UTF-8
# in inputs, bulk items and query arguments, and Unicode twins. It prints
# what each probe got back (HTTP status, error codes, user error codes,
# response bytes) and, at the end, how many contacts the probes left.
#
#   URL=http://127.0.0.1:8080/graphql TOKEN=<a token with contacts:read and
#   contacts:write> scripts/attack-text.sh
#
# Use a workspace of its own: the probes that must be accepted write a few
# contacts. Not part of make test.
set -euo pipefail

URL=${URL:-http://127.0.0.1:8080/graphql}
: "${TOKEN:?set TOKEN to a token of a workspace to probe}"

# post LABEL BODY: sends one request and prints a line about its answer.
post() {
	local label=$1 body=$2 out status
	out=$(mktemp)
	status=$(curl -sS -o "$out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary @- "$URL" <<<"$body")
	printf '%-48s %s %8s B  errors=%s userErrors=%s %s\n' "$label" "$status" "$(wc -c <"$out")" \
		"$(jq -c '[.errors[]?.extensions.code]' "$out")" \
		"$(jq -c '[.. | objects | select(has("userErrors")) | .userErrors[] | "\(.code)@\(.field | join("."))"]' "$out")" \
		"$(jq -r '(.data.contacts.totalCount // empty | "totalCount=\(.)"), (.data.createContact.contact // empty | "stored=\(.name) <\(.email)>")' "$out")"
	rm -f "$out"
}

# body DOC VARS-JSON: a request body.
body() { jq -cn --arg q "$1" --argjson v "$2" '{query: $q, variables: $v}'; }

create='mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id name email } userErrors { field code } } }'
bulk='mutation($inputs: [UpsertContactInput!]!) { bulkUpsertContacts(inputs: $inputs) { results { index contact { id } userErrors { field code } } } }'
list='query($filter: ContactFilter, $after: String) { contacts(first: 5, filter: $filter, after: $after) { totalCount nodes { name email } } }'
# repeat N: N x characters (built in a pipe: an argument may not hold 1 MB).
repeat() { head -c "$1" /dev/zero | tr '\0' x; }

echo "== lengths"
post "bulk upsert, 900 KB firstName and lastName" "$(repeat 900000 | jq -Rsc --arg q "$bulk" '{query: $q, variables: {inputs: [{externalId: "big", firstName: ., lastName: .}]}}')"
post "createContact, name of 256 characters" "$(body "$create" "$(jq -cn --arg s "$(printf 'n%.0s' {1..256})" '{input: {name: $s}}')")"
post "search of 10,000 characters" "$(body "$list" "$(jq -cn --arg s "$(printf 's%.0s' {1..10000})" '{filter: {search: $s}}')")"
post "cursor of 100,000 characters" "$(repeat 100000 | jq -Rsc --arg q "$list" '{query: $q, variables: {after: .}}')"

echo "== NUL and invalid UTF-8"
post "createContact, NUL in name" "$(body "$create" '{"input": {"name": "a\u0000b"}}')"
post "createContact, NUL in a metadata key" "$(body "$create" '{"input": {"name": "a", "metadata": {"k\u0000": 1}}}')"
post "createContact, NUL in a tag" "$(body "$create" '{"input": {"name": "a", "tags": ["\u0000"]}}')"
post "bulk, NUL in the second item's external id" "$(body "$bulk" '{"inputs": [{"externalId": "ok-1", "name": "A"}, {"externalId": "x\u0000", "name": "B"}]}')"
post "search with NUL" "$(body "$list" '{"filter": {"search": "\u0000"}}')"
post "filter name.in with NUL" "$(body "$list" '{"filter": {"name": {"in": ["\u0000"]}}}')"
post "cursor with NUL" "$(body "$list" '{"after": "\u0000"}')"
post "lone surrogate in name (becomes U+FFFD)" "$(body "$create" '{"input": {"name": "SURROGATE"}}' | sed 's/SURROGATE/\\ud800/')"
printf '%-48s ' "GET, search with the byte 0xFF"
curl -sS -H "Authorization: Bearer $TOKEN" "$URL?query=%7Bcontacts(filter:%7Bsearch:%22%FF%22%7D)%7BtotalCount%7D%7D" | jq -c '[.errors[]?.extensions.code]'

echo "== Unicode"
post "email with a punycode domain" "$(body "$create" '{"input": {"name": "Ame\u0301lie", "email": "ada@xn--bcher-kva.de"}}')"
post "email with the same domain in Unicode" "$(body "$create" '{"input": {"name": "Amélie", "email": "ada@BÜCHER.de"}}')"
post "both found by one filter" "$(body "$list" '{"filter": {"email": {"equals": "ada@bücher.de"}}}')"
post "external id with a zero-width space" "$(body "$create" '{"input": {"name": "a", "externalId": "crm\u200b1"}}')"
post "email with a byte order mark" "$(body "$create" '{"input": {"name": "a", "email": "\ufeffada@example.com"}}')"

echo "== left behind"
post "contacts in the workspace" "$(body '{ contacts { totalCount } }' '{}')"
