package db

// CheckRowSecurity lets the tests check a pool the way OpenAPI does.
var CheckRowSecurity = checkRowSecurity
