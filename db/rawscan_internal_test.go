package db

import (
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
)

// TestScanTextArray decodes PostgreSQL's text of text[] values, and
// leaves to pgx the ones that are not one-dimensional arrays without
// bounds.
func TestScanTextArray(t *testing.T) {
	for raw, want := range map[string][]string{
		`{}`:                             {},
		`{a}`:                            {"a"},
		`{a,"b c",NULL,"NULL",""}`:       {"a", "b c", "", "NULL", ""},
		`{"say \"hi\"","back\\slash",x}`: {`say "hi"`, `back\slash`, "x"},
		`{"a,b","{c}"}`:                  {"a,b", "{c}"},
	} {
		var got []string
		if !scanTextArray(&got, []byte(raw), &textArena{}) || got == nil || !slices.Equal(got, want) {
			t.Errorf("%s: read %q; want %q", raw, got, want)
		}
	}
	for _, raw := range []string{`[0:1]={a,b}`, `{{a,b},{c,d}}`, `{"a`, `{"a"b}`} {
		var got []string
		if scanTextArray(&got, []byte(raw), &textArena{}) {
			t.Errorf("%s: read %q; want it left to pgx", raw, got)
		}
	}
	var got []string
	if !scanTextArray(&got, nil, &textArena{}) || got != nil {
		t.Errorf("NULL: read %q; want nil", got)
	}
}

// TestScanTextArraysShareTheArena decodes the arrays of several rows into
// one arena: each keeps its elements, even when another is appended to.
func TestScanTextArraysShareTheArena(t *testing.T) {
	var texts textArena
	var a, b, c []string
	for _, row := range []struct {
		dst *[]string
		raw string
	}{{&a, `{a1,a2}`}, {&b, `{}`}, {&c, `{c1,"c,2",c3}`}} {
		if !scanTextArray(row.dst, []byte(row.raw), &texts) {
			t.Fatalf("%s: left to pgx", row.raw)
		}
	}
	a = append(a, "a3")
	b = append(b, "b1")
	if want := []string{"c1", "c,2", "c3"}; !slices.Equal(c, want) {
		t.Errorf("got %q after appending to the others; want %q", c, want)
	}
	if !slices.Equal(a, []string{"a1", "a2", "a3"}) || !slices.Equal(b, []string{"b1"}) {
		t.Errorf("got %q and %q", a, b)
	}
}

// TestEncodeTextArray reads back the keys encodeTextArray writes, as
// PostgreSQL's binary text[].
func TestEncodeTextArray(t *testing.T) {
	types := pgtype.NewMap()
	for _, keys := range [][]string{{}, {"a"}, {"contact_1", "", "é ü", "a,b"}} {
		var got []string
		if err := types.Scan(pgtype.TextArrayOID, pgtype.BinaryFormatCode, encodeTextArray(keys), &got); err != nil || !slices.Equal(got, keys) {
			t.Errorf("%q: read back %q, %v", keys, got, err)
		}
	}
}
