package db

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// The bulk methods write many records in one statement each, so that the
// statements of a mutation do not grow with the number of records it writes.

// LockByIDs returns the workspace's records of R's table among ids,
// locked for update until the transaction ends. Rows are locked in id
// order, so that concurrent batches cannot deadlock on each other.
func LockByIDs[R Tracked](ctx context.Context, s *Store, ws uuid.UUID, ids []string) ([]R, error) {
	var records []R
	err := s.idb.NewSelect().Model(&records).
		Where("?TableAlias.workspace_id = ?", ws).Where("?TableAlias.id = ANY(?)", pgdialect.Array(ids)).
		Order("id").For("UPDATE").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock %s by id: %w", tableOf[R]().Name, err)
	}
	return records, nil
}

// LockContactsByExternalIDs returns the workspace's contacts whose external
// id, or one of whose merged external ids, is among externalIDs, locked for
// update in id order.
func (s *Store) LockContactsByExternalIDs(ctx context.Context, ws uuid.UUID, externalIDs []string) ([]*Contact, error) {
	var contacts []*Contact
	ids := pgdialect.Array(externalIDs)
	err := s.idb.NewSelect().Model(&contacts).
		Where("c.workspace_id = ?", ws).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			// The first test of merged ids picks the rows of the partial
			// index that row-level security lets the planner use.
			return q.Where("c.external_id = ANY(?)", ids).
				WhereOr("c.merged_external_ids <> '{}' AND c.merged_external_ids && ?", ids)
		}).
		Order("c.id").For("UPDATE").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock contacts by external id: %w", err)
	}
	return contacts, nil
}

// InsertIfAbsent inserts the records whose external id no record of the
// workspace has yet, and returns the ids of those it inserted: a record
// left out lost a race with a concurrent insert of its external id.
func InsertIfAbsent[R Tracked](ctx context.Context, s *Store, records []R) (map[string]bool, error) {
	inserted := make(map[string]bool, len(records))
	if len(records) == 0 {
		return inserted, nil
	}
	var ids []string
	_, err := s.idb.NewInsert().Model(&records).
		On("CONFLICT (workspace_id, external_id) DO NOTHING").
		Returning("id").Exec(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("insert %s: %w", tableOf[R]().Name, err)
	}
	for _, id := range ids {
		inserted[id] = true
	}
	return inserted, nil
}

// UpdateRecords writes every column of records but their key and creation
// time, each at the Version and UpdatedAt set by the caller, in one
// statement. The columns are read from the model's bun tags, so a new
// field is written with no edit here.
func UpdateRecords[R Tracked](ctx context.Context, s *Store, records []R) error {
	if len(records) == 0 {
		return nil
	}
	table := tableOf[R]()
	var columns []string
	for _, f := range table.DataFields {
		if f.Name != "created_at" {
			columns = append(columns, f.Name)
		}
	}
	if _, err := s.idb.NewUpdate().Model(&records).Column(columns...).Bulk().Exec(ctx); err != nil {
		return fmt.Errorf("update %s: %w", table.Name, err)
	}
	return nil
}

// ReplaceMemberships makes members the exact set of accounts of each of
// its contacts. Only the contacts in members that had memberships before
// can lose one: a batch of new contacts sends no DELETE, whose planning
// was a sizable part of a contact's creation.
func (s *Store) ReplaceMemberships(ctx context.Context, ws uuid.UUID, members map[string][]string, hadMembers []string) error {
	if len(members) == 0 {
		return nil
	}
	var pairContacts, pairAccounts []string
	for contactID, accountIDs := range members {
		for _, accountID := range accountIDs {
			pairContacts = append(pairContacts, contactID)
			pairAccounts = append(pairAccounts, accountID)
		}
	}
	if len(hadMembers) > 0 {
		_, err := s.idb.NewDelete().Model((*ContactAccount)(nil)).
			Where("workspace_id = ?", ws).Where("contact_id = ANY(?)", pgdialect.Array(hadMembers)).
			Where("(contact_id, account_id) NOT IN (SELECT * FROM unnest(?::text[], ?::text[]))",
				pgdialect.Array(pairContacts), pgdialect.Array(pairAccounts)).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("remove memberships: %w", err)
		}
	}
	return s.AddMembershipPairs(ctx, ws, pairContacts, pairAccounts)
}

// AddMembershipPairs adds contactIDs[i] to accountIDs[i] for each i, where
// it is not a member yet.
func (s *Store) AddMembershipPairs(ctx context.Context, ws uuid.UUID, contactIDs, accountIDs []string) error {
	if len(contactIDs) == 0 {
		return nil
	}
	rows := make([]ContactAccount, len(contactIDs))
	for i := range contactIDs {
		rows[i] = ContactAccount{WorkspaceID: ws, ContactID: contactIDs[i], AccountID: accountIDs[i]}
	}
	if _, err := s.idb.NewInsert().Model(&rows).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("add memberships: %w", err)
	}
	return nil
}

// DeletePhonesByIDs deletes the workspace's phones among ids.
func (s *Store) DeletePhonesByIDs(ctx context.Context, ws uuid.UUID, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.idb.NewDelete().Model((*Phone)(nil)).
		Where("workspace_id = ?", ws).Where("id = ANY(?)", pgdialect.Array(ids)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete phones: %w", err)
	}
	return nil
}

// Deleted is a record a delete removed: its id and external id, which the
// event of its deletion keeps.
type Deleted struct {
	ID         string  `bun:"id"`
	ExternalID *string `bun:"external_id"`
}

// DeleteContacts deletes the workspace's contacts among ids, with their
// phones and memberships, and returns those it deleted.
func (s *Store) DeleteContacts(ctx context.Context, ws uuid.UUID, ids []string) ([]Deleted, error) {
	return deleteRecords[*Contact](ctx, s, ws, ids)
}

// DeleteAccounts deletes the workspace's accounts among ids and returns
// those it deleted. Their contacts stay: they lose the membership, and the
// primary account of those whose primary it was becomes null.
func (s *Store) DeleteAccounts(ctx context.Context, ws uuid.UUID, ids []string) ([]Deleted, error) {
	return deleteRecords[*Account](ctx, s, ws, ids)
}

// deleteRecords deletes the workspace's records of R among ids, in one
// statement, and returns those it deleted.
func deleteRecords[R Tracked](ctx context.Context, s *Store, ws uuid.UUID, ids []string) ([]Deleted, error) {
	var deleted []Deleted
	var model R
	table := tableOf[R]()
	_, err := s.idb.NewDelete().Model(model).
		Where("workspace_id = ?", ws).Where("id = ANY(?)", pgdialect.Array(ids)).
		Returning("id, external_id").Exec(ctx, &deleted)
	if err != nil {
		return nil, fmt.Errorf("delete %s: %w", table.Name, err)
	}
	return deleted, nil
}

// LockAccountsByExternalIDs returns the workspace's accounts among
// externalIDs, locked for update in id order.
func (s *Store) LockAccountsByExternalIDs(ctx context.Context, ws uuid.UUID, externalIDs []string) ([]*Account, error) {
	var accounts []*Account
	err := s.idb.NewSelect().Model(&accounts).
		Where("a.workspace_id = ?", ws).Where("a.external_id = ANY(?)", pgdialect.Array(externalIDs)).
		Order("a.id").For("UPDATE").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock accounts by external id: %w", err)
	}
	return accounts, nil
}

// MovePhones gives the phones among ids to the contact targetID.
func (s *Store) MovePhones(ctx context.Context, ws uuid.UUID, ids []string, targetID string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.idb.NewUpdate().Model((*Phone)(nil)).
		Set("contact_id = ?", targetID).Set("updated_at = now()").
		Where("workspace_id = ?", ws).Where("id = ANY(?)", pgdialect.Array(ids)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("move phones: %w", err)
	}
	return nil
}
