package service

import (
	"context"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
)

// CreatePortalRoleInput is a new custom portal role.
type CreatePortalRoleInput struct {
	Slug string
	Name string
}

// UpdatePortalRoleInput are changes to a custom portal role.
type UpdatePortalRoleInput struct {
	Slug *string
	Name *string
}

// UpdatePortalSettingsInput are changes to the portal settings.
type UpdatePortalSettingsInput struct {
	DefaultPortalRoleID string
}

// PortalSettings are the workspace's customer portal settings.
type PortalSettings struct {
	DefaultPortalRole *db.PortalRole
}

// CreatePortalRole creates a custom portal role.
func (s *Service) CreatePortalRole(ctx context.Context, in CreatePortalRoleInput) (*db.PortalRole, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.PortalRole, error) {
		role := &db.PortalRole{Key: db.Key{WorkspaceID: ws, ID: db.NewID(db.PortalRolePrefix)}}
		return role, writePortalRole(ctx, tx, role, UpdatePortalRoleInput{Slug: &in.Slug, Name: &in.Name}, true, ps)
	})
}

// UpdatePortalRole changes a custom portal role; built-in roles are fixed.
func (s *Service) UpdatePortalRole(ctx context.Context, id string, in UpdatePortalRoleInput) (*db.PortalRole, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.PortalRole, error) {
		role, err := customPortalRole(ctx, tx, ws, id, ps)
		if err != nil || role == nil {
			return nil, err
		}
		return role, writePortalRole(ctx, tx, role, in, false, ps)
	})
}

// customPortalRole returns the workspace's custom role with id; a missing
// or built-in one is reported in ps.
func customPortalRole(ctx context.Context, tx *db.Store, ws uuid.UUID, id string, ps *problems) (*db.PortalRole, error) {
	role, err := portalRoleByID(ctx, tx, ws, id)
	switch {
	case err != nil:
		return nil, err
	case role == nil:
		ps.add(path{"id"}, NotFound, "No portal role has this id.")
		return nil, nil
	case role.BuiltIn:
		ps.add(path{"id"}, Invalid, "Built-in portal roles cannot be changed or deleted.")
		return nil, nil
	}
	return role, nil
}

func writePortalRole(ctx context.Context, tx *db.Store, r *db.PortalRole, in UpdatePortalRoleInput, creating bool, ps *problems) error {
	change := events.Change{Type: events.PortalRoleUpdated, RecordID: r.ID}
	if creating {
		change.Type = events.PortalRoleCreated
	}
	oldSlug, oldName := r.Slug, r.Name
	if in.Slug != nil {
		r.Slug = *in.Slug
		checkSlug(ps, inputPath.at("slug"), r.Slug)
	}
	if in.Name != nil {
		r.Name = nfc(*in.Name)
		checkName(ps, inputPath.at("name"), r.Name)
	}
	if len(*ps) > 0 {
		return nil
	}
	var err error
	if creating {
		err = db.Insert(ctx, tx, r)
	} else {
		err = db.UpdateColumns(ctx, tx, r, "slug", "name")
	}
	if db.UniqueViolation(err) == db.PortalRoleSlugKey {
		ps.add(inputPath.at("slug"), AlreadyExists, "Another portal role has this slug.")
		return errRejected
	}
	if err != nil {
		return err
	}
	change.Fields.Add("slug", nilIfEmpty(oldSlug), r.Slug)
	change.Fields.Add("name", nilIfEmpty(oldName), r.Name)
	return events.Record(ctx, tx, r.WorkspaceID, []events.Change{change})
}

// nilIfEmpty is the old value of a field of a record being created, which
// had none: nil, written as null.
func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// DeletePortalRole deletes a custom portal role that no contact has and
// that is not the default.
func (s *Service) DeletePortalRole(ctx context.Context, id string) (string, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (string, error) {
		role, err := customPortalRole(ctx, tx, ws, id, ps)
		if err != nil || role == nil {
			return "", err
		}
		if role.IsDefault {
			ps.add(path{"id"}, InUse, "The role is the workspace's default; choose another default first.")
			return "", nil
		}
		used, err := tx.PortalRoleInUse(ctx, ws, id)
		if err != nil || used {
			ps.add(path{"id"}, InUse, "Contacts have this role; give them another one first.")
			return "", err
		}
		if _, err = db.DeleteByID[db.PortalRole](ctx, tx, ws, id); err != nil {
			return "", err
		}
		return id, events.Record(ctx, tx, ws, []events.Change{{Type: events.PortalRoleDeleted, RecordID: id}})
	})
}

// GetPortalSettings returns the workspace's portal settings.
func (s *Service) GetPortalSettings(ctx context.Context) (*PortalSettings, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	role, err := s.store.DefaultPortalRole(ctx, ws)
	if err != nil {
		return nil, err
	}
	return &PortalSettings{DefaultPortalRole: role}, nil
}

// UpdatePortalSettings changes the workspace's portal settings.
func (s *Service) UpdatePortalSettings(ctx context.Context, in UpdatePortalSettingsInput) (*PortalSettings, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*PortalSettings, error) {
		role, err := portalRoleByID(ctx, tx, ws, in.DefaultPortalRoleID)
		if err != nil || role == nil {
			ps.add(inputPath.at("defaultPortalRoleId"), NotFound, "No portal role has this id.")
			return nil, err
		}
		if err := tx.SetDefaultPortalRole(ctx, ws, role.ID); err != nil {
			return nil, err
		}
		role.IsDefault = true
		return &PortalSettings{DefaultPortalRole: role}, nil
	})
}

// portalRoleByID returns the workspace's portal role with id, or nil.
func portalRoleByID(ctx context.Context, tx *db.Store, ws uuid.UUID, id string) (*db.PortalRole, error) {
	return oneByID(ctx, ws, id, db.PortalRolePrefix, tx.PortalRolesByIDs)
}
