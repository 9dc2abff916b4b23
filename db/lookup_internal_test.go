package db

import (
	"fmt"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// TestLookupTexts checks that a kept text is the one Bun builds, that the
// same columns in another order or twice share it, and that ever new
// projections are neither kept nor prepared past the bound.
func TestLookupTexts(t *testing.T) {
	t.Cleanup(func() {
		lookupTexts = &keptTexts{max: maxLookupTexts}
		selectTexts = &keptTexts{max: maxSelectTexts}
	})
	s := &Store{models: bun.NewDB(nil, pgdialect.New())}
	var contacts []*Contact
	first, kept := s.lookupText(&contacts, ByID, Columns{"name", "email"})
	want := `SELECT "c"."email", "c"."id", "c"."name", "c"."workspace_id" FROM "contacts" AS "c" WHERE ("c".workspace_id = $1) AND ("c".id = ANY($2))`
	if first != want || !kept {
		t.Errorf("text\n%s (kept: %v)\nwant\n%s, kept", first, kept, want)
	}
	before := lookupTexts.count.Load()
	if again, _ := s.lookupText(&contacts, ByID, Columns{"email", "name", "email", "id"}); again != first {
		t.Errorf("the same columns in another order give %q; want the kept %q", again, first)
	}
	if n := lookupTexts.count.Load(); n != before {
		t.Errorf("the same columns in another order kept a text of their own (%d texts, %d before)", n, before)
	}
	var accounts []*Account
	if other, _ := s.lookupText(&accounts, ByID, Columns{"name", "email"}); other == first {
		t.Errorf("accounts by id share the text of contacts: %s", other)
	}
	all, _ := s.lookupText(&contacts, ByID, AllColumns)
	if none, _ := s.lookupText(&contacts, ByID, Columns{}); all == none {
		t.Errorf("all columns and no columns share the text %s", all)
	}
	for i := range 2 * maxLookupTexts {
		s.lookupText(&contacts, ByID, Columns{fmt.Sprintf("c%d", i)})
	}
	if n := lookupTexts.count.Load(); n > maxLookupTexts {
		t.Errorf("%d texts kept; want at most %d", n, maxLookupTexts)
	}
	if _, kept := s.lookupText(&contacts, ByID, Columns{"past_the_bound"}); kept {
		t.Error("a text past the bound is kept, and would be prepared")
	}
	if again, kept := s.lookupText(&contacts, ByID, Columns{"name", "email"}); again != first || !kept {
		t.Errorf("a text kept before the bound is %q (kept: %v); want %q, kept", again, kept, first)
	}
	// Pages of ever new sizes fill their own bound, not the lookups'.
	lookupTexts = &keptTexts{max: maxLookupTexts}
	for i := range 2 * maxSelectTexts {
		keepText(fmt.Sprintf("SELECT … LIMIT %d", i))
	}
	if _, kept := s.lookupText(&contacts, ByID, Columns{"name", "email"}); !kept {
		t.Error("after pages of many sizes, a lookup is not kept, and is planned on every call")
	}
}
