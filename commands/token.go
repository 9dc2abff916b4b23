package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/contacts-api/contacts/auth"
)

var tokenCmd = command{
	name:     "token",
	synopsis: "token --workspace <uuid> [--scope <scopes>] [--subject <name>] [--ttl <duration>]",
	about: `Prints a token for the workspace, signed with JWT_SECRET (HS256), with
JWT_ISSUER and JWT_AUDIENCE as claims when they are set. For development and
tests: in production your identity provider signs the tokens.
`,
}

// tokenCommand signs a token; it needs no context, but takes one as
// every command does.
func tokenCommand(_ context.Context, args []string) error {
	fs := tokenCmd.flagSet()
	workspace := fs.String("workspace", "", "the workspace (tenant) UUID the token gives access to (required)")
	scope := fs.String("scope", auth.ScopeRead+" "+auth.ScopeWrite, "space-separated scopes")
	subject := fs.String("subject", "dev", "the token's subject (sub claim)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	if _, err := tokenCmd.parse(fs, args); err != nil {
		return err
	}
	ws, err := parseWorkspace(*workspace)
	if err != nil {
		return usageError(fs, err)
	}
	cfg, err := loadConfig(production)
	if err != nil {
		return err
	}
	if len(cfg.Auth.Secret) == 0 {
		return errors.New("JWT_SECRET is not set: the token command signs with it")
	}
	token, err := auth.Mint(cfg.Auth.Secret, auth.TokenRequest{
		WorkspaceID: ws, Scope: *scope, Subject: *subject,
		Issuer: cfg.Auth.Issuer, Audience: cfg.Auth.Audience, TTL: *ttl,
	})
	if err != nil {
		return err
	}
	fmt.Println(token)
	return nil
}
