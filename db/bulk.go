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

// LockContactsByIDs returns the workspace's contacts among ids, locked for
// update until the transaction ends. Rows are locked in id order, so that
// concurrent batches cannot deadlock on each other.
func (s *Store) LockContactsByIDs(ctx context.Context, ws uuid.UUID, ids []string) ([]*Contact, error) {
	var contacts []*Contact
	err := s.idb.NewSelect().Model(&contacts).
		Where("c.workspace_id = ?", ws).Where("c.id = ANY(?)", pgdialect.Array(ids)).
		Order("c.id").For("UPDATE").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock contacts by id: %w", err)
	}
	return contacts, nil
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

// InsertContactsIfAbsent inserts contacts whose external id no contact of
// the workspace has yet, and returns the ids of those it inserted: a
// contact left out lost a race with a concurrent insert of its external id.
func (s *Store) InsertContactsIfAbsent(ctx context.Context, contacts []*Contact) (map[string]bool, error) {
	inserted := make(map[string]bool, len(contacts))
	if len(contacts) == 0 {
		return inserted, nil
	}
	var ids []string
	_, err := s.idb.NewInsert().Model(&contacts).
		On("CONFLICT (workspace_id, external_id) DO NOTHING").
		Returning("id").Exec(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("insert contacts: %w", err)
	}
	for _, id := range ids {
		inserted[id] = true
	}
	return inserted, nil
}

// UpdateContacts writes the changeable columns of contacts, each at its
// Version and UpdatedAt as set by the caller, in one statement.
func (s *Store) UpdateContacts(ctx context.Context, contacts []*Contact) error {
	if len(contacts) == 0 {
		return nil
	}
	columns := append([]string{"version", "updated_at"}, contactColumns...)
	if _, err := s.idb.NewUpdate().Model(&contacts).Column(columns...).Bulk().Exec(ctx); err != nil {
		return fmt.Errorf("update contacts: %w", err)
	}
	return nil
}

// ReplaceMemberships makes members the exact set of accounts of each of
// its contacts.
func (s *Store) ReplaceMemberships(ctx context.Context, ws uuid.UUID, members map[string][]string) error {
	if len(members) == 0 {
		return nil
	}
	var contactIDs, pairContacts, pairAccounts []string
	for contactID, accountIDs := range members {
		contactIDs = append(contactIDs, contactID)
		for _, accountID := range accountIDs {
			pairContacts = append(pairContacts, contactID)
			pairAccounts = append(pairAccounts, accountID)
		}
	}
	_, err := s.idb.NewDelete().Model((*ContactAccount)(nil)).
		Where("workspace_id = ?", ws).Where("contact_id = ANY(?)", pgdialect.Array(contactIDs)).
		Where("(contact_id, account_id) NOT IN (SELECT * FROM unnest(?::text[], ?::text[]))",
			pgdialect.Array(pairContacts), pgdialect.Array(pairAccounts)).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("remove memberships: %w", err)
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

// DeleteContacts deletes the workspace's contacts among ids, with their
// phones and memberships, and returns the ids it deleted.
func (s *Store) DeleteContacts(ctx context.Context, ws uuid.UUID, ids []string) ([]string, error) {
	var deleted []string
	_, err := s.idb.NewDelete().Model((*Contact)(nil)).
		Where("workspace_id = ?", ws).Where("id = ANY(?)", pgdialect.Array(ids)).
		Returning("id").Exec(ctx, &deleted)
	if err != nil {
		return nil, fmt.Errorf("delete contacts: %w", err)
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

// InsertAccountsIfAbsent inserts the accounts whose external id no account
// of the workspace has yet and returns the ids of those it inserted.
func (s *Store) InsertAccountsIfAbsent(ctx context.Context, accounts []*Account) (map[string]bool, error) {
	inserted := make(map[string]bool, len(accounts))
	if len(accounts) == 0 {
		return inserted, nil
	}
	var ids []string
	_, err := s.idb.NewInsert().Model(&accounts).
		On("CONFLICT (workspace_id, external_id) DO NOTHING").
		Returning("id").Exec(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("insert accounts: %w", err)
	}
	for _, id := range ids {
		inserted[id] = true
	}
	return inserted, nil
}

// UpdateAccounts writes the changeable columns of accounts, each at its
// Version and UpdatedAt as set by the caller, in one statement.
func (s *Store) UpdateAccounts(ctx context.Context, accounts []*Account) error {
	if len(accounts) == 0 {
		return nil
	}
	columns := append([]string{"version", "updated_at"}, accountColumns...)
	if _, err := s.idb.NewUpdate().Model(&accounts).Column(columns...).Bulk().Exec(ctx); err != nil {
		return fmt.Errorf("update accounts: %w", err)
	}
	return nil
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
