package db

import (
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// searchText is a text of records, lowercased, that search and contains
// match, and how statements find the records whose text is LIKE a
// pattern. The condition names the text itself: the migrations index it
// with trigrams (*_search_idx), so that it must not change without
// them, and the planner weighs that index against walking the order's
// index and stopping after a page, by their estimates. Under row-level
// security the statements read the tables' views (see compiler.table),
// where the planner may use that index.
type searchText struct {
	// table holds the records, and id is the column that search yields
	// of them: the record's id, or the contact's of a phone.
	table, id string
	// template is the text, over the records' alias ({a}).
	template string
	// phones says that search also matches the record's phone numbers.
	phones bool
}

var (
	contactSearch = searchText{
		table: "contacts", id: "id", phones: true,
		template: "lower({a}.name || ' ' || coalesce({a}.email, '') || ' ' || coalesce({a}.external_id, ''))",
	}
	accountSearch = searchText{
		table: "accounts", id: "id",
		template: "lower({a}.name || ' ' || coalesce({a}.domain, '') || ' ' || coalesce({a}.external_id, ''))",
	}
	// phoneSearch is the digits of a contact's phone numbers (numbers are
	// E.164), which search finds contacts by (ids only).
	phoneSearch = searchText{
		table: "phones", id: "contact_id",
		template: "ltrim({a}.number, '+')",
	}
)

// sql is the text of the records under alias.
func (s searchText) sql(alias string) string { return strings.ReplaceAll(s.template, "{a}", alias) }

// matching is the condition that the text of the record under c's alias
// is LIKE pattern, lowercased.
func (s searchText) matching(c *compiler, pattern string) schema.QueryWithArgs {
	return bun.SafeQuery(s.sql(c.alias)+" LIKE lower(?)", pattern)
}

// ids selects the ids of c's workspace's records whose text is LIKE
// pattern, lowercased.
func (s searchText) ids(c *compiler, pattern string) schema.QueryWithArgs {
	return bun.SafeQuery("SELECT s."+s.id+" FROM "+c.table(s.table)+" AS s WHERE s.workspace_id = ? AND "+s.sql("s")+" LIKE lower(?)", c.ws, pattern)
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
		terms = append(terms, bun.SafeQuery(c.col("id")+" IN (? UNION ALL ?)",
			text.ids(c, pattern), phoneSearch.ids(c, "%"+searchDigits(word)+"%")))
	}
	return and(terms)
}

// searchDigits returns the digits a phone-like search word must find in a
// stored number: without the leading zeros of a trunk or international
// prefix (020 7946 0958, 0044 20 7946 0958), which the E.164 form lacks,
// when enough digits remain.
func searchDigits(word string) string {
	digits := Digits(word)
	if trimmed := strings.TrimLeft(digits, "0"); len(trimmed) >= minPhoneDigits {
		return trimmed
	}
	return digits
}
