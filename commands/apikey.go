package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

var apikeyCmd = command{
	name:     "apikey",
	synopsis: `apikey create --workspace <uuid> --name <name> [--scope "contacts:read contacts:write"] [--ttl 0]`,
	about: `Creates an API key in the workspace (provisioned if new) with any of the
scopes contacts:read, contacts:write and keys:admin, and prints it on stdout.
The key is shown this once: only its hash is stored. The key goes into the
database at DATABASE_URL, or into the development database under
.data/postgres (what make run serves) when it is unset.
`,
	maxArgs: 1,
}

// apikeyFlags maps the input fields of createApiKey to the flags that set them.
var apikeyFlags = map[string]string{"name": "--name", "scopes": "--scope", "expiresAt": "--ttl"}

// flagOf names the flag behind an input field of createApiKey, such as
// --scope for input.scopes.2.
func flagOf(field []string) string {
	if len(field) > 1 && apikeyFlags[field[1]] != "" {
		return apikeyFlags[field[1]]
	}
	return strings.Join(field, ".")
}

func apikeyCommand(ctx context.Context, args []string) error {
	fs := apikeyCmd.flagSet()
	workspace := fs.String("workspace", "", "the workspace (tenant) UUID the key belongs to (required)")
	name := fs.String("name", "", `what the key is for, such as "CRM sync" (required)`)
	scope := fs.String("scope", auth.ScopeRead+" "+auth.ScopeWrite, "space-separated scopes the key grants")
	ttl := fs.Duration("ttl", 0, "how long the key is valid; 0 for a key that does not expire")
	positional, err := apikeyCmd.parse(fs, args)
	if err != nil {
		return err
	}
	if len(positional) == 0 || positional[0] != "create" {
		return usageError(fs, errors.New("apikey needs the action create"))
	}
	ws, err := parseWorkspace(*workspace)
	if err != nil {
		return usageError(fs, err)
	}
	in := service.CreateAPIKeyInput{Name: *name, Scopes: strings.Fields(*scope)}
	if *ttl != 0 {
		expires := time.Now().Add(*ttl)
		in.ExpiresAt = &expires
	}
	return createAPIKey(ctx, ws, in)
}

// createAPIKey stores the key and prints it; problems with the input are
// usage errors, reported by flag.
func createAPIKey(ctx context.Context, ws uuid.UUID, in service.CreateAPIKeyInput) error {
	bdb, done, err := databaseFor(ctx)
	if err != nil {
		return err
	}
	defer done()
	created, userErrors, err := service.New(db.NewStore(bdb)).CreateAPIKeyAsOperator(ctx, ws, in)
	if err != nil {
		return err
	}
	for _, ue := range userErrors {
		fmt.Fprintf(os.Stderr, "%s: %s\n", flagOf(ue.Field), ue.Message)
	}
	if len(userErrors) > 0 {
		return badUsage(errors.New("invalid flags"))
	}
	fmt.Println(created.Secret)
	fmt.Fprintf(os.Stderr, "Created API key %s (%s) in workspace %s. The key above is shown only this once.\n",
		created.Key.ID, created.Key.Prefix, ws)
	return nil
}
