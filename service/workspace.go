package service

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
)

// WorkspaceSettings are the workspace's own settings.
type WorkspaceSettings struct {
	// DefaultPhoneRegion is the country whose national form phone numbers
	// are in when their input names none; nil when they must start with +.
	DefaultPhoneRegion *string
}

// UpdateWorkspaceSettingsInput are changes to the workspace's settings: an
// absent field stays as it is, a null one is cleared.
type UpdateWorkspaceSettingsInput struct {
	DefaultPhoneRegion graphql.Omittable[*string]
}

// GetWorkspaceSettings returns the workspace's settings.
func (s *Service) GetWorkspaceSettings(ctx context.Context) (*WorkspaceSettings, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	return workspaceSettings(ctx, s.store, ws)
}

// UpdateWorkspaceSettings changes the workspace's settings.
func (s *Service) UpdateWorkspaceSettings(ctx context.Context, in UpdateWorkspaceSettingsInput) (*WorkspaceSettings, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*WorkspaceSettings, error) {
		if region, ok := in.DefaultPhoneRegion.ValueOK(); ok {
			if region != nil {
				upper, ok := checkPhoneRegion(ps, inputPath.at("defaultPhoneRegion"), *region)
				if !ok {
					return nil, nil
				}
				region = &upper
			}
			if err := tx.SetDefaultPhoneRegion(ctx, ws, region); err != nil {
				return nil, err
			}
		}
		return workspaceSettings(ctx, tx, ws)
	})
}

func workspaceSettings(ctx context.Context, store *db.Store, ws uuid.UUID) (*WorkspaceSettings, error) {
	region, err := store.DefaultPhoneRegion(ctx, ws)
	if err != nil || region == "" {
		return &WorkspaceSettings{}, err
	}
	return &WorkspaceSettings{DefaultPhoneRegion: &region}, nil
}
