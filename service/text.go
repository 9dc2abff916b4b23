package service

import (
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Text is stored in one Unicode form, so that what looks the same is the
// same: names and free text in NFC (an é typed as e and a combining
// accent is stored as the one character é), email domains in their
// canonical IDNA form. Identifiers refuse the characters that make two
// ids look the same and differ.

// nfc returns s in Unicode normalization form C.
func nfc(s string) string { return norm.NFC.String(s) }

// nfcOf returns a pointer to *s in form C, or nil.
func nfcOf(s *string) *string {
	if s == nil {
		return nil
	}
	v := nfc(*s)
	return &v
}

// invisible reports whether r has no place in an identifier: a control
// character (Cc) or a format character (Cf: the zero-width space and
// joiners, the word joiner, the byte order mark, bidirectional controls),
// which print as nothing.
func invisible(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf) }

// checkIdentifier refuses an identifier (what noun names) with an
// invisible character, and reports whether it was refused.
func checkIdentifier(ps *problems, at path, noun, id string) bool {
	if strings.ContainsFunc(id, invisible) {
		ps.add(at, Invalid, "%s must not contain control or zero-width characters.", noun)
		return true
	}
	return false
}

// canonicalEmail returns an address (already parsed as one) with its local
// part in form C and its domain in the canonical form of its IDNA ASCII
// form (UTS 46): the Unicode and punycode spellings of a domain, or
// U+212B and U+00C5 for Å, give the same address. A domain of plain ASCII
// stays as given: it is its own ASCII form, and emails are compared without
// regard to case. It returns false when the domain is not a valid
// internationalized domain name.
func canonicalEmail(email string) (string, bool) {
	at := strings.LastIndexByte(email, '@')
	local, domain := nfc(email[:at]), email[at+1:]
	if isPlainASCIIDomain(domain) {
		return local + "@" + domain, true
	}
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", false
	}
	unicodeForm, err := idna.Lookup.ToUnicode(ascii)
	return local + "@" + unicodeForm, err == nil
}

// isPlainASCIIDomain reports whether domain is ASCII without a punycode
// (xn--) label.
func isPlainASCIIDomain(domain string) bool {
	for _, r := range domain {
		if r > unicode.MaxASCII {
			return false
		}
	}
	return !strings.HasPrefix(strings.ToLower(domain), "xn--") && !strings.Contains(strings.ToLower(domain), ".xn--")
}
