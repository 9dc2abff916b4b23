package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// contactDetail is case 1's contact: ten fields.
type contactDetail struct {
	ID         string          `json:"id"`
	ExternalID *string         `json:"externalId"`
	Name       string          `json:"name"`
	FirstName  *string         `json:"firstName"`
	LastName   *string         `json:"lastName"`
	Email      *string         `json:"email"`
	Tags       textArray       `json:"tags"`
	Metadata   json.RawMessage `json:"metadata"`
	Version    int             `json:"version"`
	CreatedAt  time.Time       `json:"createdAt"`
}

// contact answers like contact(id:): one statement.
func (s *server) contact(w http.ResponseWriter, r *http.Request, ws uuid.UUID) error {
	var c contactDetail
	var metadata []byte
	err := s.db.QueryRowContext(r.Context(), `
		SELECT id, external_id, name, first_name, last_name, email, tags, metadata, version, created_at
		FROM contacts WHERE workspace_id = $1 AND id = $2`, ws, r.URL.Query().Get("id"),
	).Scan(&c.ID, &c.ExternalID, &c.Name, &c.FirstName, &c.LastName, &c.Email, &c.Tags, &metadata, &c.Version, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return writeData(w, "contact", nil)
	}
	if err != nil {
		return err
	}
	c.Metadata = metadata
	return writeData(w, "contact", c)
}
