package service

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// at is the path the validators are called with in these tests.
var at = path{"input", "field"}

// recorded returns the code of the one problem in ps, or "" when there is
// none; more than one problem, or one at another path, fails the test.
func recorded(t *testing.T, ps problems, want path) ErrorCode {
	t.Helper()
	if len(ps) == 0 {
		return ""
	}
	if len(ps) > 1 {
		t.Errorf("recorded %d problems %v, want at most one", len(ps), describe(ps))
	}
	if !slices.Equal(ps[0].Field, want) {
		t.Errorf("problem recorded at %v, want at %v", ps[0].Field, want)
	}
	return ps[0].Code
}

func describe(ps problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s at %v", p.Code, p.Field)
	}
	return out
}

// stringCase is a value for a validator of strings and the code it must
// record ("" for none).
type stringCase struct {
	name  string
	value string
	want  ErrorCode
}

// runStringCases checks check against every case.
func runStringCases(t *testing.T, check func(*problems, path, string), tests []stringCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ps problems
			check(&ps, at, tt.value)
			if got := recorded(t, ps, at); got != tt.want {
				t.Errorf("%q: recorded %q, want %q", tt.value, got, tt.want)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, email, want string
		wantCode          ErrorCode
	}{
		{name: "a bare address is accepted", email: "ada@example.com", want: "ada@example.com"},
		{name: "case is accepted as given", email: "Ada.Lovelace@Example.COM", want: "Ada.Lovelace@Example.COM"},
		{name: "254 characters are accepted", email: strings.Repeat("a", 242) + "@example.com", want: strings.Repeat("a", 242) + "@example.com"},
		{name: "a Unicode domain stays in its canonical form", email: "ada@bücher.de", want: "ada@bücher.de"},
		{name: "a punycode domain is its Unicode twin", email: "ada@xn--bcher-kva.de", want: "ada@bücher.de"},
		{name: "a punycode label after the first is its Unicode twin", email: "ada@mail.XN--BCHER-KVA.de", want: "ada@mail.bücher.de"},
		{name: "a Unicode domain in capitals is its lowercase twin", email: "ada@BÜCHER.de", want: "ada@bücher.de"},
		{name: "the angstrom sign in a domain is the letter Å", email: "ada@\u212Bland.se", want: "ada@åland.se"},
		{name: "the letter Å in a domain is the same", email: "ada@\u00C5land.se", want: "ada@åland.se"},
		{name: "the local part is in form C", email: "a\u0301da@example.com", want: "\u00E1da@example.com"},
		{name: "the angstrom sign in the local part is the letter Å", email: "\u212Bsa@example.com", want: "\u00C5sa@example.com"},
		{name: "a zero-width space is invalid", email: "ada\u200b@example.com", wantCode: Invalid},
		{name: "a zero-width joiner is invalid", email: "a\u200dda@example.com", wantCode: Invalid},
		{name: "a word joiner is invalid", email: "ada@exam\u2060ple.com", wantCode: Invalid},
		{name: "a byte order mark is invalid", email: "\ufeffada@example.com", wantCode: Invalid},
		{name: "a control character is invalid", email: "ada\u0007@example.com", wantCode: Invalid},
		{name: "a punycode label that decodes to nothing valid is invalid", email: "ada@xn--zz.de", wantCode: Invalid},
		{name: "a display name is invalid", email: "Ada <ada@example.com>", wantCode: Invalid},
		{name: "an address in angle brackets is invalid", email: "<ada@example.com>", wantCode: Invalid},
		{name: "a list of addresses is invalid", email: "a@x.com, b@x.com", wantCode: Invalid},
		{name: "a word without @ is invalid", email: "nope", wantCode: Invalid},
		{name: "a missing domain is invalid", email: "ada@", wantCode: Invalid},
		{name: "an empty string is invalid", email: "", wantCode: Invalid},
		{name: "surrounding spaces are invalid", email: " ada@example.com ", wantCode: Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ps problems
			got := normalizeEmail(&ps, at, tt.email)
			if code := recorded(t, ps, at); code != tt.wantCode {
				t.Fatalf("%q: recorded %q, want %q", tt.email, code, tt.wantCode)
			}
			if tt.wantCode == "" && got != tt.want {
				t.Errorf("%q normalized to %q, want %q", tt.email, got, tt.want)
			}
		})
	}
}

func TestCheckAvatarURL(t *testing.T) {
	t.Parallel()
	base := "https://cdn.example.com/"
	runStringCases(t, checkAvatarURL, []stringCase{
		{"an https png is accepted", base + "ada.png", ""},
		{"an http jpg is accepted", "http://cdn.example.com/ada.jpg", ""},
		{"a jpeg is accepted", base + "ada.jpeg", ""},
		{"the extension may be upper case", base + "ada.PNG", ""},
		{"a query string may follow the extension", base + "ada.JPG?size=64&v=2", ""},
		{"2048 characters are accepted", base + strings.Repeat("a", 2048-len(base)-4) + ".png", ""},
		{"ftp is invalid", "ftp://cdn.example.com/ada.png", Invalid},
		{"a relative URL is invalid", "/images/ada.png", Invalid},
		{"a URL without scheme is invalid", "cdn.example.com/ada.png", Invalid},
		{"a URL without host is invalid", "https:///ada.png", Invalid},
		{"a gif is invalid", base + "ada.gif", Invalid},
		{"an extension in the query string does not count", base + "ada.gif?f=.png", Invalid},
		{"a path without extension is invalid", base + "ada", Invalid},
		{"an empty string is invalid", "", Invalid},
	})
}

func TestCheckPhoneNumber(t *testing.T) {
	t.Parallel()
	us, gb, lower, bad := "US", "GB", "gb", "XX"
	tests := []struct {
		name          string
		number        string
		region        *string
		defaultRegion string
		want          string
		wantCode      ErrorCode
		// wantAt is where the problem is reported, under at.
		wantAt string
	}{
		{"the + form needs no region", "+1 (415) 555-0199", nil, "", "+14155550199", "", ""},
		{"the + form ignores the default region", "+44 20 7946 0958", nil, "US", "+442079460958", "", ""},
		{"the national form with the input's region", "4155550199", &us, "", "+14155550199", "", ""},
		{"the input's region wins over the default", "020 7946 0958", &gb, "US", "+442079460958", "", ""},
		{"a region in lower case", "020 7946 0958", &lower, "", "+442079460958", "", ""},
		{"the national form with the default region", "(415) 555-0199", nil, "US", "+14155550199", "", ""},
		{"the international prefix of the default region", "0044 20 7946 0958", nil, "GB", "+442079460958", "", ""},
		{"the national form without any region", "4155550199", nil, "", "", Invalid, "number"},
		{"+12 is invalid", "+12", nil, "", "", Invalid, "number"},
		{"not a valid number of its country", "+1 123 456 7890", nil, "", "", Invalid, "number"},
		{"an unknown region", "4155550199", &bad, "US", "", Invalid, "region"},
		{"too long", "+1 415 555 0199" + strings.Repeat(" ", 30), nil, "", "", TooLong, "number"},
		{"an empty number", "", nil, "US", "", Invalid, "number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ps problems
			got, ok := checkPhoneNumber(&ps, at, tt.number, tt.region, tt.defaultRegion)
			if code := recorded(t, ps, at.at(tt.wantAt)); code != tt.wantCode || got != tt.want || ok != (tt.wantCode == "") {
				t.Errorf("%q: %q, %v and %q recorded; want %q and %q", tt.number, got, ok, code, tt.want, tt.wantCode)
			}
		})
	}
}

func TestCheckExternalID(t *testing.T) {
	t.Parallel()
	runStringCases(t, checkExternalID, []stringCase{
		{"one character is accepted", "x", ""},
		{"120 characters are accepted", strings.Repeat("x", 120), ""},
		{"120 multibyte characters are accepted", strings.Repeat("é", 120), ""},
		{"an empty string is invalid", "", Invalid},
		{"a zero-width space is invalid", "crm\u200b-1", Invalid},
		{"a zero-width non-joiner is invalid", "crm\u200c-1", Invalid},
		{"a zero-width joiner is invalid", "crm\u200d-1", Invalid},
		{"a word joiner is invalid", "crm-1\u2060", Invalid},
		{"a byte order mark is invalid", "\ufeffcrm-1", Invalid},
		{"a right-to-left override is invalid", "crm-\u202e1", Invalid},
		{"a tab is invalid", "crm\t1", Invalid},
		{"a newline is invalid", "crm-1\n", Invalid},
		{"a C1 control character is invalid", "crm\u00851", Invalid},
		{"a space is accepted", "crm 1", ""},
		{"letters of any script are accepted", "顧客-١٢", ""},
	})
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	runStringCases(t, checkName, []stringCase{
		{"a name is accepted", "Ada Lovelace", ""},
		{"255 characters are accepted", strings.Repeat("n", 255), ""},
		{"255 multibyte characters are accepted", strings.Repeat("é", 255), ""},
		{"an empty name is required", "", Required},
		{"a blank name is required", " \t ", Required},
	})
}

func TestCheckDomain(t *testing.T) {
	t.Parallel()
	label63 := strings.Repeat("a", 63)
	runStringCases(t, checkDomain, []stringCase{
		{"a host name is accepted", "acme.com", ""},
		{"subdomains are accepted", "eu.shop.acme.co.uk", ""},
		{"upper case is accepted", "ACME.com", ""},
		{"hyphens inside labels are accepted", "my-acme.com", ""},
		{"punycode is accepted", "xn--bcher-kva.example", ""},
		{"a 63-character label is accepted", label63 + ".com", ""},
		{"a 64-character label is invalid", label63 + "a.com", Invalid},
		{"253 characters are accepted", strings.Repeat(label63+".", 3) + strings.Repeat("a", 61), ""},
		{"words with spaces are invalid", "not a domain", Invalid},
		{"a URL is invalid", "https://acme.com", Invalid},
		{"a trailing path is invalid", "acme.com/", Invalid},
		{"a leading hyphen is invalid", "-acme.com", Invalid},
		{"a trailing hyphen is invalid", "acme-.com", Invalid},
		{"an empty label is invalid", "acme..com", Invalid},
		{"an empty string is invalid", "", Invalid},
	})
}

func TestCheckSlug(t *testing.T) {
	t.Parallel()
	runStringCases(t, checkSlug, []stringCase{
		{"a lowercase word is accepted", "member", ""},
		{"one letter is accepted", "a", ""},
		{"digits and underscores after the first letter are accepted", "tier_2", ""},
		{"63 characters are accepted", "a" + strings.Repeat("b", 62), ""},
		{"upper case is invalid", "Admin", Invalid},
		{"a leading digit is invalid", "1role", Invalid},
		{"a leading underscore is invalid", "_role", Invalid},
		{"a hyphen is invalid", "role-x", Invalid},
		{"a space is invalid", "role x", Invalid},
		{"an empty slug is invalid", "", Invalid},
	})
}

func TestNormalizeTags(t *testing.T) {
	t.Parallel()
	many := func(n int) []string {
		tags := make([]string, n)
		for i := range tags {
			tags[i] = fmt.Sprintf("tag%d", i)
		}
		return tags
	}
	tests := []struct {
		name     string
		tags     []string
		want     []string // the normalized tags when nothing is recorded
		wantCode ErrorCode
		wantAt   path
	}{
		{name: "no tags give an empty list", tags: nil, want: []string{}},
		{name: "tags are trimmed", tags: []string{" vip ", "\tlead"}, want: []string{"vip", "lead"}},
		{name: "duplicates after trimming are dropped, first place kept", tags: []string{"b", " a", "b ", "c", "a"}, want: []string{"b", "a", "c"}},
		{name: "case makes tags different", tags: []string{"VIP", "vip"}, want: []string{"VIP", "vip"}},
		{name: "50 tags are accepted", tags: many(50), want: many(50)},
		{name: "64 characters are accepted", tags: []string{strings.Repeat("t", 64)}, want: []string{strings.Repeat("t", 64)}},
		{name: "64 characters with spaces around are accepted", tags: []string{" " + strings.Repeat("t", 64) + " "}, want: []string{strings.Repeat("t", 64)}},
		{name: "64 multibyte characters are accepted", tags: []string{strings.Repeat("é", 64)}, want: []string{strings.Repeat("é", 64)}},
		{name: "51 tags exceed the limit", tags: many(51), wantCode: LimitExceeded, wantAt: at},
		{name: "a blank tag is invalid at its index", tags: []string{"ok", "  "}, wantCode: Invalid, wantAt: at.at(1)},
		{name: "an empty tag is invalid at its index", tags: []string{""}, wantCode: Invalid, wantAt: at.at(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ps problems
			got := normalizeTags(&ps, at, tt.tags)
			if code := recorded(t, ps, tt.wantAt); code != tt.wantCode {
				t.Fatalf("recorded %q, want %q", code, tt.wantCode)
			}
			if tt.wantCode == "" && (got == nil || !slices.Equal(got, tt.want)) {
				t.Errorf("normalizeTags(%q) = %#v, want %#v", tt.tags, got, tt.want)
			}
		})
	}
}

func TestNormalizeMetadata(t *testing.T) {
	t.Parallel()
	// object returns an encoded JSON object of exactly n bytes.
	object := func(n int) string { return `{"k":"` + strings.Repeat("x", n-8) + `"}` }
	tests := []struct {
		name     string
		raw      json.RawMessage
		want     string // the normalized metadata when nothing is recorded
		wantCode ErrorCode
	}{
		{name: "no metadata gives an empty object", raw: nil, want: `{}`},
		{name: "an object is kept, compacted", raw: json.RawMessage(` { "plan": "pro", "seats": 12 } `), want: `{"plan":"pro","seats":12}`},
		{name: "a nested object is kept", raw: json.RawMessage(`{"a":{"b":[1,2,{"c":null}]}}`), want: `{"a":{"b":[1,2,{"c":null}]}}`},
		{name: "16 KiB are accepted", raw: json.RawMessage(object(16 << 10)), want: object(16 << 10)},
		{name: "one byte over 16 KiB is too long", raw: json.RawMessage(object(16<<10 + 1)), wantCode: TooLong},
		{name: "the size counts once compacted", raw: json.RawMessage(object(16<<10) + strings.Repeat(" ", 100)), want: object(16 << 10)},
		{name: "an array is invalid", raw: json.RawMessage(`[{"a":1}]`), wantCode: Invalid},
		{name: "a string is invalid", raw: json.RawMessage(`"pro"`), wantCode: Invalid},
		{name: "a number is invalid", raw: json.RawMessage(`12`), wantCode: Invalid},
		{name: "a JSON null is invalid", raw: json.RawMessage(`null`), wantCode: Invalid},
		{name: "malformed JSON is invalid", raw: json.RawMessage(`{"a":`), wantCode: Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ps problems
			got := normalizeMetadata(&ps, at, tt.raw)
			if code := recorded(t, ps, at); code != tt.wantCode {
				t.Fatalf("recorded %q, want %q", code, tt.wantCode)
			}
			if tt.wantCode == "" && string(got) != tt.want {
				t.Errorf("normalizeMetadata(%.60s) = %.60s, want %.60s", tt.raw, got, tt.want)
			}
		})
	}
}
