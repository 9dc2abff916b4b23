package service

import (
	"context"

	"github.com/contacts-api/contacts/db"
)

// duplicateOrder is the one order of duplicate groups: by reason, then
// account, then key, which pages through the index of shared keys.
var duplicateOrder = []orderKey{{"REASON", db.Ascending}, {"ACCOUNT_ID", db.Ascending}}

// DuplicateGroups returns a page of the workspace's groups of likely
// duplicate contacts: those that share an email, a phone number, or a
// name within their primary account; of one reason when reason is set.
// A contact may be in several groups. Each group lists its contacts
// oldest first, at most as many as one MergeContacts call takes (a target
// and its sources): merge the first with the others, then ask again.
func (s *Service) DuplicateGroups(ctx context.Context, args PageArgs, reason *db.DuplicateReason) (*Page[*db.DuplicateGroup], error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	req, err := newListRequest("duplicateContacts", db.DuplicateSortFields, duplicateOrder, reason, db.Match{}, args)
	if err != nil {
		return nil, err
	}
	groups, err := s.store.ListDuplicateGroups(ctx, ws, db.DuplicateQuery{ListQuery: req.Query, Reason: reason, Members: maxMergeSources + 1})
	if err != nil {
		return nil, err
	}
	return NewPage(groups, req, func(ctx context.Context) (int, error) { return s.store.CountDuplicateGroups(ctx, ws, reason) }), nil
}
