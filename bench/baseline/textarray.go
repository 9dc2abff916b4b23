package main

import (
	"encoding/json"
	"sync"

	"github.com/jackc/pgx/v5/pgtype"
)

// typeMaps lends pgx's type maps, which must not be shared by concurrent
// scans, to parse the text form database/sql gets arrays in.
var typeMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

// textArray scans a PostgreSQL text[] and encodes as a JSON list, never null.
type textArray []string

func (a *textArray) Scan(src any) error {
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	return m.SQLScanner((*[]string)(a)).Scan(src)
}

func (a textArray) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]string(a))
}
