package service

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/contacts-api/contacts/db"
)

func TestChangeSet(t *testing.T) {
	email := "ada@example.com"
	stored := &db.Contact{
		Key: db.Key{ID: "contact_1"}, Name: "Ada", Email: &email, Tags: []string{"vip"},
		Metadata: json.RawMessage(`{"b": [1, 2.50], "a": {"x": 100}}`),
		Tracking: db.Tracking{
			CustomFields: db.CustomFieldValues{"seats": json.RawMessage(`5`)},
			Version:      3, Timestamps: db.Timestamps{UpdatedAt: time.Unix(1, 0)},
		},
	}
	tests := []struct {
		name   string
		change func(c *db.Contact)
		owned  Changes
		want   Changes
	}{
		{"nothing", func(*db.Contact) {}, nil, nil},
		{"only the bookkeeping", func(c *db.Contact) { c.Version, c.UpdatedAt = 4, time.Unix(2, 0) }, nil, nil},
		{"a scalar, with its values", func(c *db.Contact) { c.Name = "Ada King" }, nil,
			Changes{{Field: "name", Valued: true, Old: "Ada", New: "Ada King"}}},
		{"a cleared optional scalar", func(c *db.Contact) { c.Email = nil }, nil,
			Changes{{Field: "email", Valued: true, Old: email, New: nil}}},
		{"a set optional scalar, named as the API does", func(c *db.Contact) { url := "https://a.example"; c.AvatarURL = &url }, nil,
			Changes{{Field: "avatarUrl", Valued: true, Old: nil, New: "https://a.example"}}},
		{"the same tags in a new list", func(c *db.Contact) { c.Tags = []string{"vip"} }, nil, nil},
		{"other tags, named only", func(c *db.Contact) { c.Tags = []string{"vip", "b2b"} }, nil, Changes{{Field: "tags"}}},
		{"the same metadata written another way", func(c *db.Contact) { c.Metadata = json.RawMessage(`{"a":{"x":1e2},"b":[1.0,2.5]}`) }, nil, nil},
		{"other metadata, named only", func(c *db.Contact) { c.Metadata = json.RawMessage(`{"a":{"x":101},"b":[1,2.5]}`) }, nil, Changes{{Field: "metadata"}}},
		{"the same custom field value written another way", func(c *db.Contact) {
			c.CustomFields = db.CustomFieldValues{"seats": json.RawMessage(`5.0`)}
		}, nil, nil},
		{"a removed custom field value", func(c *db.Contact) { c.CustomFields = db.CustomFieldValues{} }, nil, Changes{{Field: "customFields"}}},
		{"owned parts, after the columns", func(c *db.Contact) { c.Name = "B" }, Changes{{Field: "phones", Valued: true, Old: []string{}, New: []string{"+14155550100"}}},
			Changes{{Field: "name", Valued: true, Old: "Ada", New: "B"}, {Field: "phones", Valued: true, Old: []string{}, New: []string{"+14155550100"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			updated := snapshot(stored)
			tt.change(updated)
			if got := changeSet(stored, updated, tt.owned...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("changeSet = %+v, want %+v", got, tt.want)
			}
		})
	}
}
