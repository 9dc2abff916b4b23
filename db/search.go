package db

import (
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// searchText is the lowercased text of a record that search matches, as
// a template over the record's alias ({a}). The migration indexes the same
// expression with trigrams, so that it must not change without it.
type searchText struct {
	template string
	// phones says that search also matches the record's phone numbers.
	phones bool
}

var (
	contactSearch = searchText{template: "lower({a}.name || ' ' || coalesce({a}.email, '') || ' ' || coalesce({a}.external_id, ''))", phones: true}
	accountSearch = searchText{template: "lower({a}.name || ' ' || coalesce({a}.domain, '') || ' ' || coalesce({a}.external_id, ''))"}
)

func (s searchText) sql(alias string) string { return strings.ReplaceAll(s.template, "{a}", alias) }

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
			terms = append(terms, bun.SafeQuery(text.sql(c.alias)+" LIKE lower(?)", pattern))
			continue
		}
		// Both sides come from their trigram indexes as one set of ids:
		// an OR of the two would make the planner test every contact.
		terms = append(terms, bun.SafeQuery(c.col("id")+` IN (
			SELECT s.id FROM contacts AS s WHERE s.workspace_id = ? AND `+text.sql("s")+` LIKE lower(?)
			UNION ALL
			SELECT p.contact_id FROM phones AS p WHERE p.workspace_id = ? AND ltrim(p.number, '+') LIKE ?)`,
			c.ws, pattern, c.ws, "%"+Digits(word)+"%"))
	}
	return and(terms)
}
