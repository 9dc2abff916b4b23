package db

import (
	"slices"
	"testing"
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
		if !scanTextArray(&got, []byte(raw)) || got == nil || !slices.Equal(got, want) {
			t.Errorf("%s: read %q; want %q", raw, got, want)
		}
	}
	for _, raw := range []string{`[0:1]={a,b}`, `{{a,b},{c,d}}`, `{"a`, `{"a"b}`} {
		var got []string
		if scanTextArray(&got, []byte(raw)) {
			t.Errorf("%s: read %q; want it left to pgx", raw, got)
		}
	}
	var got []string
	if !scanTextArray(&got, nil) || got != nil {
		t.Errorf("NULL: read %q; want nil", got)
	}
}
