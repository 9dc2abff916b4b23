package seed

import (
	"embed"
	"strings"
)

// The vocabularies that generated records draw from, one entry a line in
// words/: data, kept apart from the code that draws from it. Their order
// is part of the seed: the same plan writes the same records.
var (
	firstNames    = vocabulary("first_names")
	lastNames     = vocabulary("last_names")
	companyBrands = vocabulary("company_brands")
	companyKinds  = vocabulary("company_kinds")
	industries    = vocabulary("industries")
	contactTags   = vocabulary("contact_tags")
	descriptions  = vocabulary("descriptions")
	sources       = vocabulary("sources")
)

//go:embed words/*.txt
var words embed.FS

// vocabulary returns the entries of words/<name>.txt.
func vocabulary(name string) []string {
	text, err := words.ReadFile("words/" + name + ".txt")
	if err != nil {
		panic("seed: no vocabulary " + name)
	}
	return strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
}

// lower turns a name into a lowercase word for email addresses and domains.
func lower(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\'':
			return -1
		case r == 'ü':
			return 'u'
		}
		return r
	}, strings.ToLower(name))
}
