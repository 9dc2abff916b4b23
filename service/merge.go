package service

import (
	"context"
	"encoding/json"
	"maps"
	"slices"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
)

// maxMergeSources bounds the contacts merged in one call.
const maxMergeSources = 100

// MergeContacts merges duplicates into one contact, in one transaction.
// The target keeps its fields and gains what it lacks from the sources:
// their phones (numbers it does not have), account memberships (and a
// primary account when it has none), tags, and metadata keys. The sources
// are deleted; their external ids are kept in the target's
// MergedExternalIDs, so that upserts by them find the target.
func (s *Service) MergeContacts(ctx context.Context, targetID string, sourceIDs []string) (*db.Contact, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.Contact, error) {
		checkMergeSources(targetID, sourceIDs, ps)
		if len(*ps) > 0 {
			return nil, nil
		}
		target, sources, err := lockMerge(ctx, tx, ws, targetID, sourceIDs, ps)
		if err != nil || len(*ps) > 0 {
			return nil, err
		}
		if err := mergeInto(ctx, tx, target, sources, ps); err != nil || len(*ps) > 0 {
			return nil, err
		}
		return target, nil
	})
}

func checkMergeSources(targetID string, sourceIDs []string, ps *problems) {
	switch {
	case len(sourceIDs) == 0:
		ps.add(path{"sourceIds"}, Required, "Name at least one contact to merge into the target.")
	case len(sourceIDs) > maxMergeSources:
		ps.add(path{"sourceIds"}, LimitExceeded, "At most %d contacts can be merged at once.", maxMergeSources)
	}
	for i, id := range sourceIDs {
		if id == targetID || slices.Index(sourceIDs, id) < i {
			ps.add(path{"sourceIds"}.at(i), Invalid, "A contact can be merged only once, and not into itself.")
		}
	}
}

// lockMerge locks the target and the sources, reporting the missing ones.
func lockMerge(ctx context.Context, tx *db.Store, ws uuid.UUID, targetID string, sourceIDs []string, ps *problems) (*db.Contact, []*db.Contact, error) {
	locked, err := db.LockByIDs[*db.Contact](ctx, tx, ws, append([]string{targetID}, sourceIDs...))
	if err != nil {
		return nil, nil, err
	}
	byID := indexContacts(locked)
	target := byID[targetID]
	if target == nil {
		ps.add(path{"targetId"}, NotFound, "No contact has this id.")
	}
	sources := make([]*db.Contact, 0, len(sourceIDs))
	for i, id := range sourceIDs {
		if byID[id] == nil {
			ps.add(path{"sourceIds"}.at(i), NotFound, "No contact has this id.")
		}
		sources = append(sources, byID[id])
	}
	return target, sources, nil
}

func indexContacts(contacts []*db.Contact) map[string]*db.Contact {
	byID := make(map[string]*db.Contact, len(contacts))
	for _, c := range contacts {
		byID[c.ID] = c
	}
	return byID
}

// mergeInto moves what the target lacks from the sources, deletes the
// sources and writes the target, with the events of the merge: the
// target's contact.merged and each source's contact.deleted.
func mergeInto(ctx context.Context, tx *db.Store, target *db.Contact, sources []*db.Contact, ps *problems) error {
	ws := target.WorkspaceID
	before := snapshot(target)
	// mergeFields adds to the custom field values in place: a copy keeps
	// those before the merge, for its event.
	target.CustomFields = maps.Clone(target.CustomFields)
	sourceIDs := make([]string, len(sources))
	for i, src := range sources {
		sourceIDs[i] = src.ID
		mergeFields(target, src)
	}
	if len(target.Tags) > maxTags {
		ps.add(path{"sourceIds"}, LimitExceeded, "The merged contact would have more than %d tags.", maxTags)
	}
	if len(target.Metadata) > maxMetadataBytes {
		ps.add(path{"sourceIds"}, TooLong, "The merged contact's metadata would be over %d bytes.", maxMetadataBytes)
	}
	moved, phones, err := phonesToMove(ctx, tx, target, sourceIDs, ps)
	if err != nil || len(*ps) > 0 {
		return err
	}
	memberships, err := db.ByKeys[db.ContactAccount](ctx, tx, ws, db.MembershipsByContact, db.AllColumns, append([]string{target.ID}, sourceIDs...))
	if err != nil {
		return err
	}
	if err := tx.MovePhones(ctx, ws, moved, target.ID); err != nil {
		return err
	}
	var members, accountIDs []string
	for _, m := range memberships {
		if m.ContactID == target.ID {
			members = append(members, m.AccountID)
		} else {
			accountIDs = append(accountIDs, m.AccountID)
		}
	}
	deleted, err := tx.DeleteContacts(ctx, ws, sourceIDs)
	if err != nil {
		return err
	}
	if err := tx.AddMembershipPairs(ctx, ws, slices.Repeat([]string{target.ID}, len(accountIDs)), accountIDs); err != nil {
		return err
	}
	stamp(target, false, writeTime())
	if err := db.UpdateRecords(ctx, tx, []*db.Contact{target}); err != nil {
		return err
	}
	// The merged external ids with their values, where the row's list would
	// be only named: a sync maps them to the target.
	owned := Changes{{Field: "mergedExternalIds", Valued: true, Old: before.MergedExternalIDs, New: target.MergedExternalIDs}}
	if len(moved) > 0 {
		owned = append(owned, phones)
	}
	if joined := dedupe(slices.Concat(members, accountIDs)); len(joined) > len(members) {
		owned = append(owned, Change{Field: "accounts", Valued: true, Old: sorted(members), New: sorted(joined)})
	}
	changes := slices.DeleteFunc(changeSet(before, target, owned...), func(c Change) bool {
		return c.Field == "mergedExternalIds" && !c.Valued
	})
	merged := events.Change{Type: events.ContactMerged, RecordID: target.ID, ExternalID: target.ExternalID, Version: &target.Version, Fields: eventFields(changes, false)}
	return events.Record(ctx, tx, ws, append([]events.Change{merged}, deletedEvents(events.ContactDeleted, deleted)...))
}

// mergeFields gives the target what it lacks of src's own fields.
func mergeFields(target, src *db.Contact) {
	for _, tag := range src.Tags {
		if !slices.Contains(target.Tags, tag) {
			target.Tags = append(target.Tags, tag)
		}
	}
	target.Metadata = mergeMetadata(target.Metadata, src.Metadata)
	if target.CustomFields == nil {
		target.CustomFields = db.CustomFieldValues{}
	}
	for slug, v := range src.CustomFields {
		if _, ok := target.CustomFields[slug]; !ok {
			target.CustomFields[slug] = v
		}
	}
	if target.AccountID == nil {
		target.AccountID = src.AccountID
	}
	if src.ExternalID != nil {
		target.MergedExternalIDs = append(target.MergedExternalIDs, *src.ExternalID)
	}
	target.MergedExternalIDs = append(target.MergedExternalIDs, src.MergedExternalIDs...)
}

// mergeMetadata adds the keys of src that dst lacks.
func mergeMetadata(dst, src json.RawMessage) json.RawMessage {
	var into, from map[string]json.RawMessage
	if json.Unmarshal(dst, &into) != nil || json.Unmarshal(src, &from) != nil {
		return dst
	}
	for k, v := range from {
		if _, ok := into[k]; !ok {
			into[k] = v
		}
	}
	merged, err := json.Marshal(into)
	if err != nil {
		return dst
	}
	return merged
}

// phonesToMove returns the sources' phones whose numbers the target lacks,
// one per number, and the change of the target's numbers.
func phonesToMove(ctx context.Context, tx *db.Store, target *db.Contact, sourceIDs []string, ps *problems) ([]string, Change, error) {
	phones, err := db.ByKeys[db.Phone](ctx, tx, target.WorkspaceID, db.PhonesByContact, db.AllColumns, append([]string{target.ID}, sourceIDs...))
	if err != nil {
		return nil, Change{}, err
	}
	var kept, moved []*db.Phone
	have := make(map[string]bool)
	for _, p := range phones {
		if p.ContactID == target.ID {
			have[p.Number] = true
			kept = append(kept, p)
		}
	}
	for _, p := range phones {
		if p.ContactID != target.ID && !have[p.Number] {
			have[p.Number] = true
			moved = append(moved, p)
		}
	}
	if len(have) > MaxPhones {
		ps.add(path{"sourceIds"}, LimitExceeded, "The merged contact would have more than %d phones.", MaxPhones)
	}
	ids := make([]string, len(moved))
	for i, p := range moved {
		ids[i] = p.ID
	}
	return ids, Change{Field: "phones", Valued: true, Old: phoneNumbers(kept), New: phoneNumbers(slices.Concat(kept, moved))}, nil
}
