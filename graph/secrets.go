package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/ctxkey"
)

// A field marked @secret in the schema carries a credential that the
// server shows once and keeps no copy of, such as a new API key's secret
// (of which the database keeps a hash). The response to a request with an
// Idempotency-Key is kept for its retries: it is kept with each secret it
// showed replaced by null and an error at the secret's path, so that a
// replay never shows a secret and tells the client why the field is null.

// CodeSecretNotReplayed is the code of the error that stands in a replayed
// response for a secret the first response showed.
const CodeSecretNotReplayed = "SECRET_NOT_REPLAYED"

// secretNotReplayed is the message of that error.
const secretNotReplayed = "A secret is shown once, in the first response, and never kept: this replay of that response " +
	"(same Idempotency-Key) has it null. What the request created exists; if its secret was not stored, revoke it and create another."

// fieldKey names a field by its object and its name.
type fieldKey struct{ object, field string }

// secretFields are the fields marked @secret in the schema.
type secretFields map[fieldKey]bool

// secretFieldsOf returns the fields of schema marked @secret.
func secretFieldsOf(schema *ast.Schema) secretFields {
	fields := secretFields{}
	for _, def := range schema.Types {
		for _, f := range def.Fields {
			if f.Directives.ForName("secret") != nil {
				fields[fieldKey{def.Name, f.Name}] = true
			}
		}
	}
	return fields
}

// note is the field middleware that records the secrets a request with an
// Idempotency-Key shows, with their paths, so that they are withheld from
// the response kept for its retries.
func (s secretFields) note(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil {
		return res, err
	}
	fc := graphql.GetFieldContext(ctx)
	if !s[fieldKey{fc.Object, fc.Field.Name}] {
		return res, nil
	}
	if shown, ok := shownSecretsKey.Lookup(ctx); ok {
		if secret, ok := res.(*string); ok && secret != nil {
			shown.add(fc.Path(), *secret)
		}
	}
	return res, nil
}

// shownSecrets are the secrets one response shows, at their paths.
type shownSecrets struct {
	mu      sync.Mutex
	secrets []shownSecret
}

type shownSecret struct {
	path  ast.Path
	value string
}

// shownSecretsKey holds where the secrets a response shows are recorded.
var shownSecretsKey = ctxkey.New[*shownSecrets]("graph.shownSecrets")

func (s *shownSecrets) add(path ast.Path, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = append(s.secrets, shownSecret{path, value})
}

// withhold returns body, the GraphQL response that showed the secrets, as
// it may be kept: every copy of each secret is null, and an error at each
// secret's path says why. Should a secret still show (a response written
// otherwise than gqlgen writes strings), the data goes too.
func (s *shownSecrets) withhold(body []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.secrets) == 0 {
		return body
	}
	for _, secret := range s.secrets {
		var quoted bytes.Buffer
		graphql.MarshalString(secret.value).MarshalGQL(&quoted)
		body = bytes.ReplaceAll(body, quoted.Bytes(), []byte("null"))
	}
	var resp graphql.Response
	if err := json.Unmarshal(body, &resp); err != nil || s.showsAny(body) {
		resp = graphql.Response{Data: json.RawMessage("null")}
	}
	for _, secret := range s.secrets {
		resp.Errors = append(resp.Errors, &gqlerror.Error{
			Message: secretNotReplayed, Path: secret.path,
			Extensions: map[string]any{"code": CodeSecretNotReplayed},
		})
	}
	var kept bytes.Buffer
	WriteResponse(&kept, &resp)
	return kept.Bytes()
}

func (s *shownSecrets) showsAny(body []byte) bool {
	for _, secret := range s.secrets {
		if bytes.Contains(body, []byte(secret.value)) {
			return true
		}
	}
	return false
}
