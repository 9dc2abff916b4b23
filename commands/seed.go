package commands

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/contacts-api/contacts/db/seed"
)

var seedCmd = command{
	name:     "seed",
	synopsis: "seed --workspace <uuid> [--contacts N] [--accounts M] [flags]",
	about: `Adds generated accounts, contacts, memberships and phones to the workspace in
the database at DATABASE_URL, or in the development database under
.data/postgres (what make run serves) when it is unset, creating the workspace
if needed. Contacts are written in chunks
of 10,000 with their memberships and phones, each chunk in one transaction.
`,
}

func seedCommand(ctx context.Context, args []string) error {
	fs := seedCmd.flagSet()
	workspace := fs.String("workspace", "", "the workspace (tenant) UUID to fill (required)")
	plan := seed.Plan{}
	fs.IntVar(&plan.Contacts, "contacts", 1000, "how many contacts to add")
	fs.IntVar(&plan.Accounts, "accounts", 100, "how many accounts to add; each contact gets one of them as its primary account")
	fs.IntVar(&plan.PhonesPerContact, "phones-per-contact", seed.DefaultPhonesPerContact, "phone numbers per contact")
	fs.IntVar(&plan.TagsPerContact, "tags-per-contact", seed.DefaultTagsPerContact, "tags per contact")
	if _, err := seedCmd.parse(fs, args); err != nil {
		return err
	}
	ws, err := parseWorkspace(*workspace)
	if err != nil {
		return usageError(fs, err)
	}
	plan.Workspace = ws
	bdb, done, err := databaseFor(ctx)
	if err != nil {
		return err
	}
	defer done()
	var bar *progressBar
	if isTerminal(os.Stderr) {
		bar = &progressBar{out: os.Stderr, start: time.Now()}
	}
	res, err := seed.Run(ctx, bdb, plan, bar.show)
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Printf("seeded workspace %s: %d accounts, %d contacts, %d memberships, %d phones in %.1fs (%.0f contacts/s)\n",
		ws, res.Accounts, res.Contacts, res.Memberships, res.Phones, res.Elapsed.Seconds(), float64(res.Contacts)/res.Elapsed.Seconds())
	return nil
}

// isTerminal reports whether f is a terminal rather than a file or pipe.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressBar draws a seed's progress on one terminal line. A nil bar
// draws nothing, so that output to files and pipes stays clean.
type progressBar struct {
	out   *os.File
	start time.Time
	drawn bool
}

const barWidth = 30

func (b *progressBar) show(p seed.Progress) {
	if b == nil || p.Total == 0 {
		return
	}
	filled := barWidth * p.Done / p.Total
	fmt.Fprintf(b.out, "\r[%s%s] %3d%%  %d/%d rows  %.1fs ",
		strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled),
		100*p.Done/p.Total, p.Done, p.Total, time.Since(b.start).Seconds())
	b.drawn = true
}

// finish ends the bar's line.
func (b *progressBar) finish() {
	if b != nil && b.drawn {
		fmt.Fprintln(b.out)
	}
}
