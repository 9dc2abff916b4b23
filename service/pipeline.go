package service

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
)

// The write pipeline writes contacts and accounts the same way: a create is
// an update of nothing and a single write is a batch of one. A batch runs
// in one transaction and a fixed number of statements, however many
// records it writes: the kind loads and locks the records, checks the
// inputs and applies them; the pipeline then works out each record's
// change set, refuses stale writes, stamps the version and times, and
// writes the new and changed rows (never the unchanged ones) before the
// kind writes what the records own (memberships, phones), and last their
// change events, all in one INSERT.

// Action says what a write did to its record.
type Action string

// The actions of a write.
const (
	// Created says the record is new.
	Created Action = "CREATED"
	// Updated says the record changed.
	Updated Action = "UPDATED"
	// Unchanged says the input equals what is stored: nothing was written,
	// the version and updatedAt are those stored.
	Unchanged Action = "UNCHANGED"
)

// batch is one transaction of the write pipeline.
type batch struct {
	tx  *db.Store
	ws  uuid.UUID
	now time.Time
	// known is what the batch read and wrote that its answer may show.
	known Known
}

// record is a kind of record the pipeline writes.
type record interface {
	*db.Contact | *db.Account
	db.Tracked
}

// recordWrite is what every write of a record has, whatever its kind.
type recordWrite[R record] struct {
	at     path
	record R
	// stored is a copy of the record as read, before the input applied;
	// when creating, of the blank record the input applies to.
	stored   R
	creating bool
	// upsert makes a new record whose external id a concurrent transaction
	// took run the batch again (and then update it); a create is refused.
	upsert bool
	// expectedVersion is the version the client saw, when it sent one.
	expectedVersion *int
	// changes is the change set of an update, from changeSet.
	changes Changes
	ps      problems
	// written says the write was carried out (not rolled back or skipped).
	written bool
}

func (w *recordWrite[R]) base() *recordWrite[R] { return w }

// startWrite starts the write of a record: a new one, or one read (and
// locked) by the batch; the write keeps a copy of it to compare with.
func startWrite[R record](at path, r R, creating bool, expectedVersion *int) recordWrite[R] {
	return recordWrite[R]{at: at, record: r, stored: snapshot(r), creating: creating, expectedVersion: expectedVersion}
}

// action says what the write did.
func (w *recordWrite[R]) action() Action {
	switch {
	case w.creating:
		return Created
	case len(w.changes) > 0:
		return Updated
	}
	return Unchanged
}

// writeOf is a write of one kind of record.
type writeOf[R record] interface {
	base() *recordWrite[R]
}

// recordKind is what the pipeline needs to know of one kind of record.
type recordKind[R record, W writeOf[R]] interface {
	// noun names the record in messages ("contact").
	noun() string
	// externalIDKey names the constraint that keeps external ids unique.
	externalIDKey() string
	// prepare checks the inputs of writes and applies them to the records.
	prepare(ctx context.Context, b *batch, writes []W) error
	// ownedChanges are the changes of what else than its row the write
	// changes, with their values.
	ownedChanges(w W) Changes
	// saveOwned writes what the records own besides their rows.
	saveOwned(ctx context.Context, b *batch, writes []W) error
	// eventTypes are the types of the events of a new and of a changed
	// record.
	eventTypes() (created, updated events.Type)
	// externalID is the record's external id, which its events carry.
	externalID(r R) *string
	// refused is a write at at that writes nothing and reports ps.
	refused(at path, ps problems) W
}

// editKind is a kind of record that mutations create and update one at a
// time, with input U.
type editKind[R record, W writeOf[R], U any] interface {
	recordKind[R, W]
	// prefix is the prefix of the records' ids.
	prefix() string
	// blank is a new record, before any input applies to it.
	blank(b *batch) R
	// write is the write of in to r, which is new or locked by the batch.
	write(at path, r R, creating bool, in U) W
}

// startOf starts the write of in at at: an update of current, locked by
// the batch, or, when it is nil, a create.
func startOf[R record, W writeOf[R], U any](b *batch, kind editKind[R, W, U], at path, current R, in U) W {
	if current == nil {
		return kind.write(at, kind.blank(b), true, in)
	}
	return kind.write(at, current, false, in)
}

// createOne runs a batch of one: the create of a record of kind from in.
func createOne[R record, W writeOf[R], U any](ctx context.Context, s *Service, kind editKind[R, W, U], in U) (R, []*UserError, error) {
	return writeOne(ctx, s, kind, func(b *batch) (W, error) {
		return startOf(b, kind, inputPath, nil, in), nil
	})
}

// updateOne runs a batch of one: the update by in of the record of kind
// with id, locked; when there is none, NOT_FOUND.
func updateOne[R record, W writeOf[R], U any](ctx context.Context, s *Service, kind editKind[R, W, U], id string, in U) (R, []*UserError, error) {
	return writeOne(ctx, s, kind, func(b *batch) (W, error) {
		current, err := oneByID(ctx, b.ws, id, kind.prefix(), func(ctx context.Context, ws uuid.UUID, ids []string) ([]R, error) {
			return db.LockByIDs[R](ctx, b.tx, ws, ids)
		})
		if err != nil || current == nil {
			var ps problems
			ps.add(path{"id"}, NotFound, "No %s has this id.", kind.noun())
			return kind.refused(inputPath, ps), err
		}
		return startOf(b, kind, inputPath, current, in), nil
	})
}

// writeOne runs a batch of one record and returns it as written, or its
// problems: any problem writes nothing.
func writeOne[R record, W writeOf[R]](ctx context.Context, s *Service, kind recordKind[R, W], load func(*batch) (W, error)) (R, []*UserError, error) {
	if ps := inputProblems(ctx, nil); len(ps) > 0 {
		return nil, ps, nil
	}
	writes, err := writeBatch(ctx, s, kind, true, func(_ context.Context, b *batch) ([]W, error) {
		w, err := load(b)
		return []W{w}, err
	})
	if err != nil {
		return nil, nil, err
	}
	if w := writes[0].base(); len(w.ps) > 0 {
		return nil, w.ps, nil
	}
	return writes[0].base().record, nil, nil
}

// errRaced aborts a batch that found a new record's external id taken by
// a concurrent transaction; the batch runs again and then updates it.
var errRaced = errors.New("external id inserted concurrently")

// maxRaceRetries bounds how often a batch is run again after a race.
const maxRaceRetries = 3

// writeBatch runs a batch in one transaction: load builds the writes
// (locking the existing rows), then they are checked and written. With
// atomic, any problem writes nothing; otherwise the writes without
// problems are written and the others reported.
func writeBatch[R record, W writeOf[R]](ctx context.Context, s *Service, kind recordKind[R, W], atomic bool, load func(context.Context, *batch) ([]W, error)) ([]W, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		var writes []W
		var b *batch
		err := s.store.InTx(ctx, ws, func(tx *db.Store) error {
			b = &batch{tx: tx, ws: ws, now: writeTime()}
			var err error
			if writes, err = load(ctx, b); err != nil {
				return err
			}
			if err := kind.prepare(ctx, b, writes); err != nil {
				return err
			}
			for _, w := range writes {
				settle(kind, w)
			}
			if atomic && slices.ContainsFunc(writes, hasProblems[R, W]) {
				return errRejected
			}
			return save(ctx, b, kind, slices.DeleteFunc(slices.Clone(writes), hasProblems[R, W]))
		})
		switch {
		case errors.Is(err, errRaced) && attempt < maxRaceRetries:
			continue
		case errors.Is(err, errRejected):
			for _, w := range writes {
				w.base().written = false
			}
			return writes, nil
		case err == nil:
			tellKnown(ctx, b.known)
		}
		return writes, err
	}
}

func hasProblems[R record, W writeOf[R]](w W) bool { return len(w.base().ps) > 0 }

// settle works out what a prepared write does: its change set, whether it
// is stale, and, unchanged, the record as stored.
func settle[R record, W writeOf[R]](kind recordKind[R, W], w W) {
	rw := w.base()
	if rw.record == nil {
		return
	}
	if !rw.creating && len(rw.ps) == 0 {
		rw.changes = changeSet(rw.stored, rw.record, kind.ownedChanges(w)...)
	}
	// A write that changes nothing overwrites nothing the client did not
	// see, so an old expected version does not make it stale.
	changes := rw.creating || len(rw.ps) > 0 || len(rw.changes) > 0
	if want := rw.expectedVersion; want != nil && changes && (rw.creating || *want != storedVersion(rw.stored)) {
		rw.ps.add(rw.at.at("expectedVersion"), Stale, "The %s changed since version %d; read it again and retry.", kind.noun(), *want)
	}
	if !changes {
		// What is stored, not the input applied to it: a later read
		// answers the same, byte for byte (metadata as PostgreSQL keeps it).
		rw.record = rw.stored
	}
}

func storedVersion(r db.Tracked) int { return r.Tracked().Version }

// stamp sets what every write of a record sets: a new record starts at
// version 1, a changed one goes up one; both are changed at now.
func stamp(r db.Tracked, creating bool, now time.Time) {
	t := r.Tracked()
	if creating {
		t.Version, t.CreatedAt = 1, now
	} else {
		t.Version++
	}
	t.UpdatedAt = now
}

// save writes the rows of the new and changed records, then what they own.
func save[R record, W writeOf[R]](ctx context.Context, b *batch, kind recordKind[R, W], writes []W) error {
	var fresh, changed []R
	var written []W
	for _, w := range writes {
		rw := w.base()
		rw.written = true
		switch rw.action() {
		case Created:
			fresh = append(fresh, rw.record)
		case Updated:
			changed = append(changed, rw.record)
		default:
			continue
		}
		stamp(rw.record, rw.creating, b.now)
		written = append(written, w)
	}
	inserted, err := db.InsertIfAbsent(ctx, b.tx, fresh)
	if err != nil {
		return err
	}
	for _, w := range written {
		if rw := w.base(); rw.creating && !inserted[rw.record.NodeID()] {
			return externalIDTaken(kind, rw)
		}
	}
	err = db.UpdateRecords(ctx, b.tx, changed)
	if db.UniqueViolation(err) == kind.externalIDKey() && len(writes) == 1 {
		return externalIDTaken(kind, writes[0].base())
	}
	if err != nil {
		return err
	}
	if err := kind.saveOwned(ctx, b, written); err != nil {
		return err
	}
	return events.Record(ctx, b.tx, b.ws, changeEvents(kind, written))
}

// changeEvents are the events of the written records, one each: a new
// record's with the fields it was created with (old values null), a
// changed one's with its change set.
func changeEvents[R record, W writeOf[R]](kind recordKind[R, W], written []W) []events.Change {
	created, updated := kind.eventTypes()
	out := make([]events.Change, len(written))
	for i, w := range written {
		rw := w.base()
		version := storedVersion(rw.record)
		out[i] = events.Change{Type: updated, RecordID: rw.record.NodeID(), ExternalID: kind.externalID(rw.record), Version: &version}
		if rw.creating {
			out[i].Type = created
			out[i].Fields = eventFields(changeSet(rw.stored, rw.record, kind.ownedChanges(w)...), true)
		} else {
			out[i].Fields = eventFields(rw.changes, false)
		}
	}
	return out
}

// eventFields are the fields of a change set as an event carries them:
// with their values when the change set has them (old null for a new
// record), else by name.
func eventFields(changes Changes, creating bool) events.Fields {
	fields := make(events.Fields, 0, len(changes))
	for _, c := range changes {
		switch {
		case !c.Valued:
			fields.Name(c.Field)
		case creating:
			fields.Add(c.Field, nil, c.New)
		default:
			fields.Add(c.Field, c.Old, c.New)
		}
	}
	return fields
}

// deleteRecords deletes the workspace's records among ids and returns
// those it deleted.
type deleteRecords func(tx *db.Store, ctx context.Context, ws uuid.UUID, ids []string) ([]db.Deleted, error)

// deleteOne adapts del to deleteByID, recording the deletion.
func deleteOne(typ events.Type, del deleteRecords) func(context.Context, *db.Store, uuid.UUID, string) (bool, error) {
	return func(ctx context.Context, tx *db.Store, ws uuid.UUID, id string) (bool, error) {
		deleted, err := deleteRecorded(ctx, tx, ws, typ, del, []string{id})
		return len(deleted) > 0, err
	}
}

// deleteRecorded deletes the records among ids with del and records an
// event of type typ for each one deleted, with its id and external id, so
// that a sync learns what was removed; the events in one INSERT.
func deleteRecorded(ctx context.Context, tx *db.Store, ws uuid.UUID, typ events.Type, del deleteRecords, ids []string) ([]db.Deleted, error) {
	deleted, err := del(tx, ctx, ws, ids)
	if err != nil {
		return nil, err
	}
	return deleted, events.Record(ctx, tx, ws, deletedEvents(typ, deleted))
}

// deletedEvents are the events of type typ of the deleted records.
func deletedEvents(typ events.Type, deleted []db.Deleted) []events.Change {
	changes := make([]events.Change, len(deleted))
	for i, d := range deleted {
		changes[i] = events.Change{Type: typ, RecordID: d.ID, ExternalID: d.ExternalID}
	}
	return changes
}

// externalIDTaken handles a write whose external id another record has:
// an upsert lost a race and runs again; a create or update is refused.
func externalIDTaken[R record](kind interface{ noun() string }, w *recordWrite[R]) error {
	if w.upsert {
		return errRaced
	}
	w.ps.add(w.at.at("externalId"), AlreadyExists, "Another %s has this external id.", kind.noun())
	return errRejected
}
