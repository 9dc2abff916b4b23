package db

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Node is a record that GraphQL can fetch by its global id.
type Node interface {
	NodeID() string
}

// Key is the primary key of a workspace's record that has an id of its
// own: the workspace's id and the record's id in it. Embedded first, it
// gives the models their first columns and their NodeID.
type Key struct {
	WorkspaceID uuid.UUID `bun:"workspace_id,pk,type:uuid"`
	ID          string    `bun:"id,pk"`
}

// NodeID implements Node.
func (k *Key) NodeID() string { return k.ID }

// Workspace is a tenant: every other row belongs to exactly one.
type Workspace struct {
	bun.BaseModel `bun:"table:workspaces,alias:w"`

	ID                  uuid.UUID `bun:"id,pk,type:uuid"`
	DefaultPortalRoleID *string   `bun:"default_portal_role_id"`
	// DefaultPhoneRegion is the ISO 3166-1 alpha-2 code of the country
	// whose national form phone numbers are in when their input names none.
	DefaultPhoneRegion *string `bun:"default_phone_region"`
	Timestamps
}

// PortalRole is a contact's level of access to the customer portal.
type PortalRole struct {
	bun.BaseModel `bun:"table:portal_roles,alias:pr"`

	Key
	Slug    string `bun:"slug"`
	Name    string `bun:"name"`
	BuiltIn bool   `bun:"built_in"`
	Timestamps

	// IsDefault is not stored on the role: the workspace names its default.
	IsDefault bool `bun:"is_default,scanonly"`
}

// Account is a company that contacts belong to.
type Account struct {
	bun.BaseModel `bun:"table:accounts,alias:a"`

	Key
	ExternalID *string         `bun:"external_id"`
	Name       string          `bun:"name"`
	Domain     *string         `bun:"domain"`
	Tags       []string        `bun:"tags,array"`
	Metadata   json.RawMessage `bun:"metadata,type:jsonb"`
	Tracking
}

// SortValue implements Sortable.
func (a *Account) SortValue(column string) any {
	return sortValue(column, a.CreatedAt, a.UpdatedAt, a.Name, map[string]any{"domain": a.Domain})
}

// Contact is a person at one of the workspace's customers.
type Contact struct {
	bun.BaseModel `bun:"table:contacts,alias:c"`

	Key
	ExternalID   *string         `bun:"external_id"`
	Name         string          `bun:"name"`
	FirstName    *string         `bun:"first_name"`
	LastName     *string         `bun:"last_name"`
	Email        *string         `bun:"email"`
	AvatarURL    *string         `bun:"avatar_url"`
	Description  *string         `bun:"description"`
	Tags         []string        `bun:"tags,array"`
	Metadata     json.RawMessage `bun:"metadata,type:jsonb"`
	AccountID    *string         `bun:"account_id"`
	PortalRoleID string          `bun:"portal_role_id"`
	// MergedExternalIDs are the external ids of contacts merged into this one.
	MergedExternalIDs []string `bun:"merged_external_ids,array"`
	Tracking
}

// SortValue implements Sortable.
func (c *Contact) SortValue(column string) any {
	return sortValue(column, c.CreatedAt, c.UpdatedAt, c.Name, map[string]any{"email": c.Email})
}

// sortValue returns a record's value of a sort column: one of the columns
// every record has, or one of its own.
func sortValue(column string, created, updated time.Time, name string, own map[string]any) any {
	switch column {
	case "created_at":
		return created
	case "updated_at":
		return updated
	case "name":
		return name
	}
	if v, ok := own[column]; ok {
		return v
	}
	panic("db: no sort column " + column)
}

// ContactAccount records that a contact belongs to an account.
type ContactAccount struct {
	bun.BaseModel `bun:"table:contact_accounts,alias:ca"`

	WorkspaceID uuid.UUID `bun:"workspace_id,pk,type:uuid"`
	ContactID   string    `bun:"contact_id,pk"`
	AccountID   string    `bun:"account_id,pk"`
	CreatedAt   time.Time `bun:"created_at,nullzero,notnull,default:now()"`
}

// PhoneType says what kind of line a phone number is.
type PhoneType string

// Phone is one of a contact's phone numbers, in E.164 form.
type Phone struct {
	bun.BaseModel `bun:"table:phones,alias:p"`

	Key
	ContactID string     `bun:"contact_id"`
	Number    string     `bun:"number"`
	Type      *PhoneType `bun:"type"`
	Timestamps
}

// APIKey lets a backend call the API as its workspace with the key's
// scopes. Only a hash of the key is stored; the key itself is shown once,
// when it is created.
type APIKey struct {
	bun.BaseModel `bun:"table:api_keys,alias:ak"`

	Key
	Name string `bun:"name"`
	// Prefix is the public start of the key, such as ck_4f9Qx2Lm, which
	// names it in lists and logs.
	Prefix     string     `bun:"prefix"`
	KeyHash    []byte     `bun:"key_hash"`
	Scopes     []string   `bun:"scopes,array"`
	CreatedAt  time.Time  `bun:"created_at,nullzero,notnull,default:now()"`
	ExpiresAt  *time.Time `bun:"expires_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`

	// Active is not stored: the lookup by hash computes it with the
	// database's clock, so that every replica agrees.
	Active bool `bun:"active,scanonly"`
}

// Tracked is a record the service writes with a version and the times it
// was created and last changed, which every write of it sets.
type Tracked interface {
	Node
	// Tracked returns the record's version and times, for the writer to set.
	Tracked() *Tracking
}

// Tracking is what contacts and accounts keep besides their own columns:
// their custom field values, and the version and times that every write
// of them sets. The last columns of their tables, it is embedded last.
type Tracking struct {
	// CustomFields are the record's custom field values, by slug.
	CustomFields CustomFieldValues `bun:"custom_fields,type:jsonb"`
	Version      int               `bun:"version"`
	Timestamps
}

// Timestamps are when a record was created and when it last changed. The
// database sets both when the record is inserted without them.
type Timestamps struct {
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:now()"`
	UpdatedAt time.Time `bun:"updated_at,nullzero,notnull,default:now()"`
}

// Tracked implements Tracked.
func (t *Tracking) Tracked() *Tracking { return t }

// CustomField returns the record's value of the custom field slug, or nil.
func (t *Tracking) CustomField(slug string) json.RawMessage { return t.CustomFields[slug] }
