package extensions

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/contacts-api/contacts/graph/graphtest/atonce"
	"github.com/contacts-api/contacts/graph/request"
)

// operationCosting is a handler whose operation costs cost and, once
// admitted, runs run; what it was admitted with is given back once it
// answers, as the HTTP layer gives it back once the response is written.
func operationCosting(a *Admission, cost int, run func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, rec := request.Start(r.Context(), w.Header())
		defer rec.ResponseWritten()
		oc := &graphql.OperationContext{}
		oc.Stats.SetExtension(CostExtension, cost)
		ctx = graphql.WithOperationContext(ctx, oc)
		responses := a.InterceptOperation(ctx, func(context.Context) graphql.ResponseHandler {
			run()
			return graphql.OneShot(&graphql.Response{})
		})
		if resp := responses(ctx); len(resp.Errors) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
}

func TestAdmissionBoundsTheCostRunningAtOnce(t *testing.T) {
	a := NewAdmission(100)
	got := atonce.Most(5, func(work func()) func() {
		op := operationCosting(a, 40, work)
		return func() { op.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/graphql", nil)) }
	}, func(running int) bool {
		if running < 2 {
			return false
		}
		time.Sleep(50 * time.Millisecond) // time for a third to start, were it let in
		return true
	})
	if got != 2 {
		t.Errorf("operations of cost 40 under a bound of 100: %d ran at once, want 2", got)
	}
}

func TestAdmissionRunsAnOperationOverTheBoundAlone(t *testing.T) {
	a := NewAdmission(100)
	ran := false
	rec := httptest.NewRecorder()
	operationCosting(a, 1_000, func() { ran = true }).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
	if !ran || rec.Code != http.StatusOK {
		t.Errorf("an operation over the bound: ran %v, status %d; want it run", ran, rec.Code)
	}
	if !a.running.TryAcquire(100) {
		t.Error("the bound was not given back after the response")
	}
}

func TestAdmissionGivesUpWhenTheClientLeaves(t *testing.T) {
	a := NewAdmission(100)
	a.running.Acquire(context.Background(), 100) // another operation runs
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	rec := httptest.NewRecorder()
	operationCosting(a, 40, func() { ran = true }).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil).WithContext(ctx))
	if ran || rec.Code != http.StatusServiceUnavailable {
		t.Errorf("a request gone while it waited: ran %v, status %d; want it answered with an error, not run", ran, rec.Code)
	}
	a.running.Release(100)
	if !a.running.TryAcquire(100) {
		t.Error("the abandoned request kept part of the bound")
	}
}
