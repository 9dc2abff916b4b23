package graph_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// auditDir holds the GraphQL-over-HTTP audit: graphql-http's server audits,
// pinned by package-lock.json, installed by scripts/ensure-audit.sh.
const auditDir = "testdata/audit"

// auditResult is one audit's outcome as audit.mjs prints it.
type auditResult struct {
	ID, Name, Status, Reason string
}

// TestGraphQLOverHTTPAudit runs graphql-http's audit of the GraphQL over
// HTTP specification against the endpoint: every MUST and SHOULD holds
// (no error, no warning).
func TestGraphQLOverHTTPAudit(t *testing.T) {
	t.Parallel()
	node := findAudit(t)
	token := graphtest.MintToken(t, uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite)
	srv := httptest.NewServer(graphtest.NewHandler(t))
	defer srv.Close()
	out, err := exec.Command(node, filepath.Join(auditDir, "audit.mjs"), srv.URL+"/graphql", token).Output()
	if err != nil {
		t.Fatalf("run the audit: %v\n%s", err, out)
	}
	var results []auditResult
	if err := json.Unmarshal(out, &results); err != nil || len(results) < 20 {
		t.Fatalf("the audit printed %d results (%v); want its audits:\n%s", len(results), err, out)
	}
	t.Logf("%d audits", len(results))
	for _, r := range results {
		if r.Status == "warn" || r.Status == "error" {
			t.Errorf("%s %s (%s): %s", r.Status, r.ID, r.Name, r.Reason)
		}
	}
}

// findAudit returns Node.js when the audit's packages are installed.
func findAudit(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(auditDir, "node_modules", "graphql-http"))
	}
	if err == nil {
		return node
	}
	graphtest.Missing(t, "the GraphQL-over-HTTP audit needs Node.js and its npm packages: scripts/ensure-audit.sh (run by make test) installs them", "the audit")
	return ""
}
