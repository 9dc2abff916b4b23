package graph

import (
	"maps"
	"slices"
	"testing"
)

// TestRenderedFieldsAreNotSecret: render.go writes the fields it renders
// itself, past the field middleware that notes the secrets a response
// shows, so it must never render a @secret field (the secret would be
// kept for an Idempotency-Key).
func TestRenderedFieldsAreNotSecret(t *testing.T) {
	secret := secretFieldsOf(NewExecutableSchema(Config{}).Schema())
	rendered := map[string][]string{
		contactType.name:     slices.Collect(maps.Keys(contactType.fields)),
		contactEdgeType.name: slices.Collect(maps.Keys(contactEdgeType.fields)),
		accountType.name:     slices.Collect(maps.Keys(accountType.fields)),
	}
	for object, fields := range rendered {
		for _, field := range fields {
			if secret[fieldKey{object, field}] {
				t.Errorf("render.go renders %s.%s, which is @secret; leave it to gqlgen", object, field)
			}
		}
	}
	if len(secret) == 0 {
		t.Error("no field of the schema is @secret; want CreateApiKeyPayload.secret")
	}
}
