package db

import (
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// searchText is the lowercased text of a record that search matches:
// lower(name || ' ' || coalesce(email, ”) || ' ' || coalesce(external_id,
// ”)) for contacts, with domain for email for accounts. The migrations
// index it with trigrams, and ids, a function of theirs, returns the ids of
// a workspace's records whose text is LIKE a pattern, through that index
// even under row-level security (see 20261123600000_search_functions).
type searchText struct {
	ids string
	// phones says that search also matches the record's phone numbers.
	phones bool
}

var (
	contactSearch = searchText{ids: "contact_ids_matching", phones: true}
	accountSearch = searchText{ids: "account_ids_matching"}
)

// matching is the condition that the record's search text is LIKE
// pattern, lowercased.
func (s searchText) matching(c *compiler, pattern string) schema.QueryWithArgs {
	return bun.SafeQuery(c.col("id")+" IN (SELECT "+s.ids+"(?, lower(?)))", c.ws, pattern)
}

// minPhoneDigits is how many digits make a search word match phone numbers.
const minPhoneDigits = 3

// SearchWords splits a search into the words that must all match: the
// whole search when it looks like a phone number, such as "(415) 555-0123".
func SearchWords(search string) []string {
	if looksLikePhone(search) {
		return []string{strings.TrimSpace(search)}
	}
	return strings.Fields(search)
}

// looksLikePhone reports whether s has enough digits and nothing but the
// characters phone numbers are written with.
func looksLikePhone(s string) bool {
	return len(Digits(s)) >= minPhoneDigits && strings.Trim(s, "0123456789+()-./ ") == ""
}

// search matches records whose search text contains every word; a word
// that looks like a phone number also matches the digits of the contact's
// phone numbers, however they were written.
func (c *compiler) search(q string, text searchText) schema.QueryWithArgs {
	var terms []schema.QueryWithArgs
	for _, word := range SearchWords(q) {
		pattern := "%" + escapeLike(word) + "%"
		if !text.phones || !looksLikePhone(word) {
			terms = append(terms, text.matching(c, pattern))
			continue
		}
		// Both sides come from their trigram indexes as one set of ids:
		// an OR of the two would make the planner test every contact.
		terms = append(terms, bun.SafeQuery(c.col("id")+` IN (
			SELECT `+text.ids+`(?, lower(?))
			UNION ALL
			SELECT contact_ids_with_phone_matching(?, ?))`,
			c.ws, pattern, c.ws, "%"+Digits(word)+"%"))
	}
	return and(terms)
}
