// Package events writes change events in the transaction of their change
// (a transactional outbox): a change committed has its events, a change
// rolled back has none. The change feed, each record's history and the
// webhook deliveries read them.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/ctxkey"
	"github.com/contacts-api/contacts/db"
)

// Type names what happened to a record: its kind, a dot, and the verb,
// such as contact.updated.
type Type string

// The types of events.
const (
	ContactCreated     Type = "contact.created"
	ContactUpdated     Type = "contact.updated"
	ContactDeleted     Type = "contact.deleted"
	ContactMerged      Type = "contact.merged"
	AccountCreated     Type = "account.created"
	AccountUpdated     Type = "account.updated"
	AccountDeleted     Type = "account.deleted"
	AccountMerged      Type = "account.merged"
	PortalRoleCreated  Type = "portal_role.created"
	PortalRoleUpdated  Type = "portal_role.updated"
	PortalRoleDeleted  Type = "portal_role.deleted"
	CustomFieldCreated Type = "custom_field.created"
	CustomFieldUpdated Type = "custom_field.updated"
	CustomFieldDeleted Type = "custom_field.deleted"
	APIKeyCreated      Type = "api_key.created"
	APIKeyRevoked      Type = "api_key.revoked"
)

// Types are all the types of events; the schema's EventType enum names
// each of them (a test holds the two in step).
var Types = []Type{
	ContactCreated, ContactUpdated, ContactDeleted, ContactMerged,
	AccountCreated, AccountUpdated, AccountDeleted, AccountMerged,
	PortalRoleCreated, PortalRoleUpdated, PortalRoleDeleted,
	CustomFieldCreated, CustomFieldUpdated, CustomFieldDeleted,
	APIKeyCreated, APIKeyRevoked,
}

// EnumName is the type's name in the schema's EventType enum: upper case,
// with an underscore for the dot (CONTACT_UPDATED).
func (t Type) EnumName() string {
	return strings.ToUpper(strings.ReplaceAll(string(t), ".", "_"))
}

// TypeOfEnum returns the type that the EventType enum value name stands
// for: the last underscore is the dot.
func TypeOfEnum(name string) (Type, bool) {
	i := strings.LastIndexByte(name, '_')
	if i < 0 {
		return "", false
	}
	t := Type(strings.ToLower(name[:i]) + "." + strings.ToLower(name[i+1:]))
	return t, slices.Contains(Types, t)
}

// MarshalGQL writes the type as its EventType enum value.
func (t Type) MarshalGQL(w io.Writer) {
	io.WriteString(w, strconv.Quote(t.EnumName()))
}

// UnmarshalGQL reads an EventType enum value.
func (t *Type) UnmarshalGQL(v any) error {
	name, _ := v.(string)
	typ, ok := TypeOfEnum(name)
	if !ok {
		return fmt.Errorf("%v is not an EventType", v)
	}
	*t = typ
	return nil
}

// Change is one record's change, as the write that made it describes it.
type Change struct {
	Type       Type
	RecordID   string
	ExternalID *string
	// Version is the record's version after the change, for the records
	// that have one.
	Version *int
	// Fields are the fields that changed.
	Fields Fields
}

// Fields are the changed fields of one record, with their old and new
// values.
type Fields []db.FieldChange

// Add adds field to f unless its old and new values are the same (as
// JSON). A nil pointer stands for an absent value, written as null.
func (f *Fields) Add(field string, old, new any) {
	o, n := mustJSON(old), mustJSON(new)
	if string(o) != string(n) {
		*f = append(*f, db.FieldChange{Field: field, Old: o, New: n})
	}
}

// Name adds field to f by its name only, with null old and new values: for
// the fields whose values events do not carry (lists and objects such as
// tags and metadata).
func (f *Fields) Name(field string) {
	*f = append(*f, db.FieldChange{Field: field, Old: null, New: null})
}

var null = json.RawMessage("null")

// mustJSON encodes a field's value; the fields of records are plain data,
// which always encodes.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("events: a field value does not encode as JSON: %v", err))
	}
	return b
}

// Record writes the events of changes in the transaction tx of workspace
// ws, in one statement, as done by the caller in ctx (its API key, or its
// token's subject) in the request of ctx. An update that changed no field
// writes no event: a write that changes nothing has none. A store without
// events (CHANGE_EVENTS=off) records none.
func Record(ctx context.Context, tx *db.Store, ws uuid.UUID, changes []Change) error {
	if !tx.RecordsEvents() {
		return nil
	}
	changes = slices.DeleteFunc(slices.Clone(changes), func(c Change) bool {
		return len(c.Fields) == 0 && strings.HasSuffix(string(c.Type), ".updated")
	})
	if len(changes) == 0 {
		return nil
	}
	actor, requestID := Actor(ctx), RequestID(ctx)
	ids := db.NewIDs(db.EventPrefix, len(changes))
	rows := make([]*db.Event, len(changes))
	for i, c := range changes {
		fields := c.Fields
		if fields == nil {
			fields = Fields{}
		}
		rows[i] = &db.Event{
			Key: db.Key{WorkspaceID: ws, ID: ids[i]}, Type: string(c.Type), RecordID: c.RecordID,
			ExternalID: c.ExternalID, Version: c.Version, Changes: fields, Actor: actor,
		}
		if requestID != "" {
			rows[i].RequestID = &requestID
		}
	}
	return tx.InsertEvents(ctx, rows)
}

// Actor names who acts in ctx: the id of its API key, or its token's
// subject; "" for no caller.
func Actor(ctx context.Context) string {
	p := auth.FromContext(ctx)
	switch {
	case p == nil:
		return ""
	case p.APIKeyID != "":
		return p.APIKeyID
	}
	return p.Subject
}

// requestIDKey holds the id of the request a context serves.
var requestIDKey = ctxkey.New[string]("events.requestID")

// WithRequestID returns ctx carrying the id of the request it serves,
// which the events written in it record.
func WithRequestID(ctx context.Context, id string) context.Context {
	return requestIDKey.With(ctx, id)
}

// RequestID returns the request id that ctx carries, or "".
func RequestID(ctx context.Context) string { return requestIDKey.Value(ctx) }
