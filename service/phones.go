package service

import (
	"context"
	"slices"
	"time"

	"github.com/contacts-api/contacts/db"
)

// phonePlan is what a mutation does to a contact's phones.
type phonePlan struct {
	contact *db.Contact
	inserts []*db.Phone
	updates []*db.Phone
	deletes []string
	// written lists the added and changed phones with the index of their
	// change, in input order, for reporting duplicate numbers.
	written []writtenPhone
}

type writtenPhone struct {
	phone *db.Phone
	index int
}

// planPhones checks changes against the contact's current phones and
// works out the writes. It reports every problem it finds in ps.
func planPhones(c *db.Contact, current []*db.Phone, changes []PhoneChange, ps *problems) *phonePlan {
	plan := &phonePlan{contact: c}
	byID := make(map[string]*db.Phone, len(current))
	for _, p := range current {
		byID[p.ID] = p
	}
	touched := make(map[string]bool)
	for i, ch := range changes {
		at := inputPath.at("phones", i)
		if ch.ID == nil {
			plan.planAdd(ch, at, ps, i)
			continue
		}
		phone, ok := byID[*ch.ID]
		switch {
		case !ok:
			ps.add(at.at("id"), NotFound, "The contact has no phone with this id.")
		case touched[*ch.ID]:
			ps.add(at.at("id"), Invalid, "Each phone may be changed once per mutation.")
		case ch.Destroy != nil && *ch.Destroy:
			plan.deletes = append(plan.deletes, phone.ID)
			delete(byID, phone.ID)
		default:
			plan.planUpdate(phone, ch, at, ps, i)
		}
		if ok {
			touched[*ch.ID] = true
		}
	}
	final := len(byID) + len(plan.inserts)
	if final > maxPhones {
		ps.add(inputPath.at("phones"), LimitExceeded, "A contact may have at most %d phones.", maxPhones)
	}
	plan.checkDuplicates(byID, ps)
	return plan
}

func (plan *phonePlan) planAdd(ch PhoneChange, at path, ps *problems, index int) {
	if ch.Destroy != nil && *ch.Destroy {
		ps.add(at.at("destroy"), Invalid, "Only an existing phone, named by id, can be destroyed.")
		return
	}
	if ch.Number == nil {
		ps.add(at.at("number"), Required, "A new phone needs a number.")
		return
	}
	checkPhoneNumber(ps, at.at("number"), *ch.Number)
	phone := &db.Phone{
		WorkspaceID: plan.contact.WorkspaceID, ID: db.NewID(db.PhonePrefix),
		ContactID: plan.contact.ID, Number: *ch.Number, Type: ch.Type.Value(),
	}
	plan.inserts = append(plan.inserts, phone)
	plan.written = append(plan.written, writtenPhone{phone, index})
}

func (plan *phonePlan) planUpdate(phone *db.Phone, ch PhoneChange, at path, ps *problems, index int) {
	if ch.Number != nil {
		checkPhoneNumber(ps, at.at("number"), *ch.Number)
		phone.Number = *ch.Number
	}
	if t, ok := ch.Type.ValueOK(); ok {
		phone.Type = t
	}
	plan.updates = append(plan.updates, phone)
	plan.written = append(plan.written, writtenPhone{phone, index})
}

// checkDuplicates reports every added or changed phone whose number another
// of the contact's phones will have.
func (plan *phonePlan) checkDuplicates(kept map[string]*db.Phone, ps *problems) {
	count := make(map[string]int)
	for _, p := range kept {
		count[p.Number]++
	}
	for _, p := range plan.inserts {
		count[p.Number]++
	}
	for _, w := range plan.written {
		if count[w.phone.Number] > 1 {
			ps.add(inputPath.at("phones", w.index, "number"), AlreadyExists, "The contact already has this number.")
		}
	}
}

// save writes the plan. A changed phone is deleted and inserted again with
// its id and creation time, in the same statements as the removals and
// additions: numbers may then swap or move between phones, which row by
// row updates would refuse as a transient duplicate.
func (plan *phonePlan) save(ctx context.Context, tx *db.Store, ps *problems) error {
	ws := plan.contact.WorkspaceID
	gone := slices.Clone(plan.deletes)
	for _, p := range plan.updates {
		gone = append(gone, p.ID)
		p.UpdatedAt = time.Time{}
	}
	if err := tx.DeletePhones(ctx, ws, plan.contact.ID, gone); err != nil {
		return err
	}
	err := tx.InsertPhones(ctx, slices.Concat(plan.updates, plan.inserts))
	if db.UniqueViolation(err) == db.PhoneNumberKey {
		ps.add(inputPath.at("phones"), AlreadyExists, "The contact already has one of these numbers.")
		return errRejected
	}
	return err
}
