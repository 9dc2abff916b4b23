package db

import (
	"fmt"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// TestLookupTexts checks that a kept text is the one Bun builds, and that
// ever new projections do not grow the texts kept past their bound.
func TestLookupTexts(t *testing.T) {
	s := &Store{models: bun.NewDB(nil, pgdialect.New())}
	var contacts []*Contact
	cols := Columns{"name", "email"}
	first := s.lookupText(&contacts, &byID, cols)
	if again := s.lookupText(&contacts, &byID, cols); again != first {
		t.Errorf("kept text %q differs from the built one %q", again, first)
	}
	want := `SELECT "c"."email", "c"."id", "c"."name", "c"."workspace_id" FROM "contacts" AS "c" WHERE ("c".workspace_id = $1) AND ("c".id = ANY($2))`
	if first != want {
		t.Errorf("text\n%s\nwant\n%s", first, want)
	}
	var accounts []*Account
	if other := s.lookupText(&accounts, &byID, cols); other == first {
		t.Errorf("accounts by id share the text of contacts: %s", other)
	}
	if all := s.lookupText(&contacts, &byID, AllColumns); all == s.lookupText(&contacts, &byID, Columns{}) {
		t.Errorf("all columns and no columns share the text %s", all)
	}
	for i := range 2 * maxLookupTexts {
		s.lookupText(&contacts, &byID, Columns{fmt.Sprintf("c%d", i)})
	}
	if n := lookupTextCount.Load(); n > maxLookupTexts {
		t.Errorf("%d texts kept; want at most %d", n, maxLookupTexts)
	}
}
