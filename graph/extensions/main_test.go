package extensions_test

import (
	"testing"

	"github.com/contacts-api/contacts/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
