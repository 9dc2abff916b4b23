package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/phone"
)

var checkPhonesCmd = command{
	name:     "check-phones",
	synopsis: "check-phones",
	about: `Reads every stored phone number, of every workspace, in the database at
DATABASE_URL (or the development database under .data/postgres when it is
unset) and lists those that are not valid numbers of their country, with why:
numbers stored before numbers were checked. It changes nothing: such numbers
stay as they are until a client changes them. Exit code 0 whatever it finds.
`,
}

func checkPhonesCommand(ctx context.Context, args []string) error {
	if _, err := checkPhonesCmd.parse(checkPhonesCmd.flagSet(), args); err != nil {
		return err
	}
	bdb, done, err := databaseFor(ctx)
	if err != nil {
		return err
	}
	defer done()
	_, err = checkPhones(ctx, db.NewStore(bdb), os.Stdout)
	return err
}

// phoneCheckBatch is how many phones each read of check-phones fetches.
const phoneCheckBatch = 10_000

// checkPhones writes a line to out for each stored number that is not a
// valid number in E.164 form, then a summary, and returns how many it
// found.
func checkPhones(ctx context.Context, store *db.Store, out io.Writer) (invalid int, err error) {
	var last *db.Phone
	checked := 0
	for {
		phones, err := store.PhonesAfter(ctx, last, phoneCheckBatch)
		if err != nil {
			return invalid, err
		}
		if len(phones) == 0 {
			fmt.Fprintf(out, "checked %d phone numbers: %d not valid, kept as they are\n", checked, invalid)
			return invalid, nil
		}
		for _, p := range phones {
			if reason := numberProblem(p.Number); reason != "" {
				invalid++
				fmt.Fprintf(out, "workspace %s contact %s phone %s: %s %s\n", p.WorkspaceID, p.ContactID, p.ID, p.Number, reason)
			}
		}
		checked += len(phones)
		last = phones[len(phones)-1]
	}
}

// numberProblem says why a stored number is not a valid one in E.164
// form, or returns "" when it is.
func numberProblem(number string) string {
	e164, err := phone.Parse(number, "")
	var bad *phone.InvalidError
	switch {
	case errors.As(err, &bad):
		return bad.Reason
	case err != nil:
		return err.Error()
	case e164 != number:
		return "is not in E.164 form (" + e164 + ")"
	}
	return ""
}
