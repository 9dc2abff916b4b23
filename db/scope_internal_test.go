package db

import "testing"

// TestPreludes: what goes before a statement, by what the connection
// knows of its session. A connection behind a pooler, or in a
// transaction block, sets every setting for its statement alone; one
// whose session may hold a workspace clears it before a statement of
// another setting or none.
func TestPreludes(t *testing.T) {
	ws := &policyScope{WorkspaceSetting, "a"}
	other := &policyScope{sweepSetting, "on"}
	fresh := connSession{known: true}
	own := connSession{checked: true, own: true, known: true}
	holdsA := connSession{checked: true, own: true, known: true, workspace: "a"}
	holdsB := connSession{checked: true, own: true, known: true, workspace: "b"}
	unknown := connSession{checked: true, own: true}
	pooled := connSession{checked: true, known: true}
	for _, c := range []struct {
		name  string
		sess  *connSession
		scope *policyScope
		idle  bool
		want  string
		sets  bool
	}{
		{"a first statement", &fresh, ws, true, checkSessionSQL, false},
		{"a session of its own", &own, ws, true, setSessionSQL, true},
		{"the same workspace", &holdsA, ws, true, "", false},
		{"another workspace", &holdsB, ws, true, setSessionSQL, true},
		{"after a failure", &unknown, ws, true, setSessionSQL, true},
		{"behind a pooler", &pooled, ws, true, setConfigSQL, false},
		{"in a transaction block", &holdsB, ws, false, setConfigSQL, false},
		{"a connection that keeps nothing", nil, ws, true, setConfigSQL, false},
		{"another setting, no workspace held", &own, other, true, setConfigSQL, false},
		{"another setting, a workspace held", &holdsA, other, true, clearingSetConfigSQL, false},
		{"another setting after a failure", &unknown, other, true, clearingSetConfigSQL, false},
		{"no setting, no workspace held", &own, nil, true, "", false},
		{"no setting, a workspace held", &holdsA, nil, true, clearSessionSQL, true},
		{"no setting after a failure", &unknown, nil, true, clearSessionSQL, true},
		{"no setting in a transaction block", &holdsA, nil, false, "", false},
	} {
		p := c.sess.prelude(c.scope, c.idle)
		if p.text != c.want || p.sets != c.sets {
			t.Errorf("%s: prelude %q (sets %v); want %q (sets %v)", c.name, p.text, p.sets, c.want, c.sets)
		}
		if p.sets && c.scope != nil && p.workspace != c.scope.value || p.sets && c.scope == nil && p.workspace != "" {
			t.Errorf("%s: the session would hold %q", c.name, p.workspace)
		}
	}
}
