package db

// PlannerSettings are the settings of the server's sessions that its
// plans depend on; Open sets them on every connection, and the
// benchmark's floor runs the server's statements with them.
var PlannerSettings = map[string]string{
	// The statements pgx does prepare are the lookups by keys (lookup.go),
	// whose best plan does not depend on the keys: planned once, each
	// costs PostgreSQL a fifth of what planning it every time would (0.03
	// ms against 0.15 for a contact by id, by EXPLAIN ANALYZE). Left to
	// choose, PostgreSQL plans them anew every time: its estimate for a
	// list of keys is higher than for the one key of most calls.
	"plan_cache_mode": "force_generic_plan",
	// A generic plan does not know how many keys a lookup gets: it costs
	// "id = ANY($2)" as ten. At the default random_page_cost (4, for a
	// spinning disk) ten descents of the primary key cost about as much as
	// reading a table of a thousand rows, so that the plan of a
	// workspace's accounts lookup flipped between the two with the
	// table's size and its pages; the scan then tested each row against
	// every key of a page's hundred (a parameter's array is not hashed):
	// 2 to 6 ms instead of 0.2 (issue 18: page_100's throughput was
	// bimodal). The working set of the server's queries is cached, where
	// an index read costs little more than a sequential one: at 1.1 the
	// index wins by a factor of three at a thousand rows, and stays the
	// plan.
	"random_page_cost": "1.1",
}
