package ctxkey_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/ctxkey"
)

func TestKeysOfTheSameNameAndTypeAreDistinct(t *testing.T) {
	t.Parallel()
	a, b := ctxkey.New[string]("request"), ctxkey.New[string]("request")
	ctx := a.With(context.Background(), "held by a")
	if got := a.Value(ctx); got != "held by a" {
		t.Fatalf("a.Value = %q; want %q", got, "held by a")
	}
	if got, ok := b.Lookup(ctx); ok || got != "" {
		t.Fatalf("b.Lookup = %q, %v; want \"\", false: b read a's value", got, ok)
	}
}

func TestAValueNotHeldIsTheZeroValue(t *testing.T) {
	t.Parallel()
	k := ctxkey.New[*int]("count")
	if got := k.Value(context.Background()); got != nil {
		t.Fatalf("Value = %v; want nil", got)
	}
	if _, ok := k.Lookup(context.Background()); ok {
		t.Fatal("Lookup found a value in an empty context")
	}
}

func TestAHeldZeroValueIsFound(t *testing.T) {
	t.Parallel()
	k := ctxkey.New[bool]("flag")
	if got, ok := k.Lookup(k.With(context.Background(), false)); !ok || got {
		t.Fatalf("Lookup = %v, %v; want false, true", got, ok)
	}
}

func TestAPrintedContextNamesTheKey(t *testing.T) {
	t.Parallel()
	ctx := ctxkey.New[string]("auth.principal").With(context.Background(), "x")
	if s := fmt.Sprint(ctx); !strings.Contains(s, "auth.principal") {
		t.Fatalf("context printed as %q; want it to name the key auth.principal", s)
	}
}
