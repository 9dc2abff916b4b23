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
