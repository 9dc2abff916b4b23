package service

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/db"
)

// The fuzz targets run their seed corpus (below and in testdata/fuzz) as
// ordinary tests in `make test`; run one for longer with, for example,
// go test ./service -run XXX -fuzz FuzzCheckEmail -fuzztime 10m

// checkOutcome fails unless a validator reported at most one problem, at
// the path it was given, with a message.
func checkOutcome(t *testing.T, ps problems, at path) {
	t.Helper()
	if len(ps) > 1 {
		t.Fatalf("%d problems for one value: %+v", len(ps), ps)
	}
	for _, p := range ps {
		if strings.Join(p.Field, ".") != strings.Join(at, ".") || p.Message == "" || p.Code == "" {
			t.Fatalf("problem %+v, want one at %v with a code and a message", p, at)
		}
	}
}

func FuzzCheckEmail(f *testing.F) {
	seeds := []string{"ada@example.com", "Ada <ada@example.com>", "a@b", "", "@", "a@b, c@d", "\"q\"@x.org", strings.Repeat("a", 300) + "@x.org"}
	fuzzCheck(f, seeds, path{"input", "email"}, func(ps *problems, at path, email string) { normalizeEmail(ps, at, email) }, func(t *testing.T, email string) {
		if !strings.Contains(email, "@") {
			t.Fatalf("accepted %q", email)
		}
	})
}

// fuzzCheck fuzzes check, the rule of one value at at, from seeds:
// whatever the value, check reports at most one problem, at at, and
// accepted then checks each value that check accepted.
func fuzzCheck(f *testing.F, seeds []string, at path, check func(ps *problems, at path, value string), accepted func(t *testing.T, value string)) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		var ps problems
		check(&ps, at, value)
		checkOutcome(t, ps, at)
		if len(ps) == 0 {
			accepted(t, value)
		}
	})
}

// e164 is the form of every number stored.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

func FuzzCheckPhoneNumber(f *testing.F) {
	for _, s := range []string{"+14155550123", "+1", "+0123", "14155550123", "+1 415 555 0123", "+123456789012345", "0044 20 7946 0958", "(415) 555-0199 ext. 12", "+49 (0)30 1234567"} {
		f.Add(s, "US")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, number, defaultRegion string) {
		var ps problems
		at := path{"input", "phones", "0"}
		got, ok := checkPhoneNumber(&ps, at, number, nil, defaultRegion)
		checkOutcome(t, ps, at.at("number"))
		if ok != (len(ps) == 0) {
			t.Fatalf("%q: ok %v with problems %+v", number, ok, ps)
		}
		if !ok {
			return
		}
		if again, _ := checkPhoneNumber(&ps, at, got, nil, ""); !e164.MatchString(got) || again != got {
			t.Fatalf("%q became %q, which is not E.164 or reads as %q", number, got, again)
		}
	})
}

func FuzzCheckAvatarURL(f *testing.F) {
	seeds := []string{"https://example.com/a.png", "http://x/y.JPEG?s=1", "ftp://x/y.png", "/a.png", "https://example.com/a.gif", "https://%zz/a.png", "javascript:alert(1)//.png"}
	fuzzCheck(f, seeds, path{"input", "avatarUrl"}, checkAvatarURL, func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("accepted %q, which is not an absolute http(s) URL", raw)
		}
	})
}

func FuzzNormalizeTags(f *testing.F) {
	f.Add("vip, vip ,  , " + strings.Repeat("x", 70))
	f.Add("a,b,c")
	f.Fuzz(func(t *testing.T, joined string) {
		var ps problems
		tags := normalizeTags(&ps, path{"input", "tags"}, strings.Split(joined, ","))
		seen := map[string]bool{}
		for _, tag := range tags {
			if tag == "" || tag != strings.TrimSpace(tag) || seen[tag] {
				t.Fatalf("kept tag %q (of %q)", tag, joined)
			}
			seen[tag] = true
		}
		if len(tags) > maxTags {
			t.Fatalf("kept %d tags", len(tags))
		}
	})
}

func FuzzNormalizeMetadata(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1]`, `"s"`, `null`, `{`, `{"a": {"b": [1, 2, {"c": null}]}}`, ` { } `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var ps problems
		out := normalizeMetadata(&ps, path{"input", "metadata"}, json.RawMessage(raw))
		if len(ps) > 0 {
			return
		}
		var obj map[string]any
		if err := json.Unmarshal(out, &obj); err != nil || obj == nil || len(out) > maxMetadataBytes {
			t.Fatalf("accepted %q as %q, which is not a JSON object within the limit", raw, out)
		}
	})
}

func FuzzNormalizeFieldValue(f *testing.F) {
	for _, s := range []string{`"a"`, `1e3`, `true`, `"2024-02-29"`, `["a","b","a"]`, `"https://x.example/"`, `null`, `{}`, `[`, `"\u0000"`} {
		for _, typ := range []string{"TEXT", "NUMBER", "BOOLEAN", "DATE", "SELECT", "MULTI_SELECT", "URL"} {
			f.Add(typ, s)
		}
	}
	f.Fuzz(func(t *testing.T, typ, raw string) {
		d := &db.CustomFieldDefinition{Slug: "f", Label: "F", Type: db.CustomFieldType(typ), Options: []string{"a", "b"}}
		out, problem := normalizeFieldValue(d, json.RawMessage(raw))
		if problem != "" || out == nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("%s value %q stored as %q, which is not JSON", typ, raw, out)
		}
	})
}

// FuzzCursor checks that any cursor given to a list is either refused as
// bad input or read as a position: never a panic, never another error.
func FuzzCursor(f *testing.F) {
	list, err := DefaultContactList(PageArgs{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(list.Cursor(&db.Contact{Key: db.Key{ID: "contact_01J00000000000000000000000"}}))
	for _, s := range []string{"", "nope", "eyJ2IjoxfQ", "eyJ2IjoyLCJrIjpbIngiXSwiaWQiOiJhIiwiaCI6IngifQ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		req, err := DefaultContactList(PageArgs{After: &cursor})
		if err != nil {
			if e, ok := AsError(err); !ok || e.Code != CodeBadUserInput {
				t.Fatalf("cursor %q: error %v, want BAD_USER_INPUT", cursor, err)
			}
			return
		}
		if req.Query.After == nil || req.Query.After.ID == "" {
			t.Fatalf("cursor %q accepted without a position", cursor)
		}
	})
}
