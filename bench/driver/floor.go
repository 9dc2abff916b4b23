package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/contacts-api/contacts/bench/serverproc"
	"github.com/contacts-api/contacts/db"
)

// The floor of a read case is what PostgreSQL itself allows: the exact
// statements the server sent for the case's requests, with the same
// parameters, grouped as the server sent them (a set_config and its
// statement in one pipeline, one implicit transaction), run prepared by
// pgbench with the same number of clients, against the same data, in the
// same rounds, in sessions that hold the workspace as the server's
// connections do. The statements are read from the database's own log
// (log_statement = 'all', for the few requests captured), so that the
// floor runs what was sent, whatever the code that sent it.

// floorRequests is how many of a case's requests the floor runs (each a
// pgbench script of its own, picked at random by pgbench): enough to vary
// the keys and cursors as the case does.
const floorRequests = 8

// maxFloorVariableBytes bounds the parameter values passed to pgbench on
// its command line (the kernel allows about 2 MB in all): the floor of
// page_999 runs fewer requests than floorRequests.
const maxFloorVariableBytes = 1 << 20

// floor is a read case's statements, ready for pgbench.
type floor struct {
	scripts []string // pgbench script files, one per request
	vars    []string // -D name=value arguments
	// statements is the number of statements of a request, on average.
	statements float64
}

// loggedStatement is a statement as PostgreSQL logged it.
type loggedStatement struct {
	pid  int
	vxid string // statements of one implicit transaction share it
	text string
	// params are its parameters' values; nil for NULL.
	params []*string
}

// pgbenchPath finds pgbench, which Debian keeps off PATH beside initdb.
func pgbenchPath() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(found) == 0 {
		return "", errors.New("pgbench not found (it comes with the postgresql package)")
	}
	slices.Sort(found)
	return found[len(found)-1], nil
}

// captureFloor sends the first of c's requests to the server under
// row-level security, one at a time, and makes the pgbench scripts of the
// statements that each sent, in the results' floor directory (not
// committed).
func (b *bench) captureFloor(ctx context.Context, c benchCase) (*floor, error) {
	// What the server does once, such as creating the workspace on its
	// first request, is done before the capture.
	if _, err := b.checkResponse(ctx, b.server, c.graphql[0], c.check); err != nil {
		return nil, err
	}
	if err := b.db.logStatements(ctx, true); err != nil {
		return nil, err
	}
	defer b.db.logStatements(context.WithoutCancel(ctx), false)
	dir := filepath.Join(b.resultsDir, "floor")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f := &floor{}
	varBytes, statements := 0, 0
	for i, r := range c.graphql[:min(len(c.graphql), floorRequests)] {
		logged, err := b.db.statementsDuring(ctx, func() error {
			_, err := b.checkResponse(ctx, b.server, r, c.check)
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(logged) == 0 {
			return nil, fmt.Errorf("request %d sent no statement to log", i+1)
		}
		script, vars := pgbenchScript(fmt.Sprintf("r%d_", i), logged)
		n := 0
		for _, v := range vars {
			n += len(v)
		}
		if len(f.scripts) > 0 && varBytes+n > maxFloorVariableBytes {
			break
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-%d.sql", c.name, i))
		if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
			return nil, err
		}
		f.scripts = append(f.scripts, path)
		f.vars = append(f.vars, vars...)
		varBytes += n
		statements += len(logged)
	}
	f.statements = float64(statements) / float64(len(f.scripts))
	// The values beside the scripts, to read or run them again by hand.
	vars := filepath.Join(dir, c.name+"-variables.txt")
	return f, os.WriteFile(vars, []byte(strings.Join(f.vars, "\n")+"\n"), 0o644)
}

// pgbenchScript writes statements as a pgbench script, the statements
// of one implicit transaction in one pipeline, with each parameter a
// variable named with prefix; it returns the script and the -D
// arguments that give the variables their values.
func pgbenchScript(prefix string, statements []loggedStatement) (script string, vars []string) {
	var sb strings.Builder
	for i := 0; i < len(statements); {
		j := i + 1
		for j < len(statements) && statements[j].pid == statements[i].pid && statements[j].vxid == statements[i].vxid {
			j++
		}
		pipeline := j-i > 1
		if pipeline {
			sb.WriteString("\\startpipeline\n")
		}
		for k := i; k < j; k++ {
			text, v := pgbenchStatement(fmt.Sprintf("%ss%d_", prefix, k), statements[k])
			sb.WriteString(text)
			sb.WriteString(";\n")
			vars = append(vars, v...)
		}
		if pipeline {
			sb.WriteString("\\endpipeline\n")
		}
		i = j
	}
	return sb.String(), vars
}

// pgbenchStatement rewrites a statement for pgbench: each parameter $n
// becomes the variable prefix+n (or NULL), which pgbench sends as a
// parameter of the prepared statement; a string literal that holds a
// colon, which pgbench would read as a variable, is written as a Unicode
// escape string with the same value.
func pgbenchStatement(prefix string, s loggedStatement) (string, []string) {
	var out strings.Builder
	var vars []string
	text := s.text
	for i := 0; i < len(text); i++ {
		ch := text[i]
		switch {
		case ch == '"':
			end := quotedEnd(text, i)
			out.WriteString(text[i : end+1])
			i = end
		case ch == '\'':
			end := quotedEnd(text, i)
			lit := text[i+1 : end]
			escaped := i > 0 && (text[i-1] == 'E' || text[i-1] == 'e')
			if strings.Contains(lit, ":") && !escaped {
				lit = strings.ReplaceAll(strings.ReplaceAll(lit, `\`, `\\`), ":", `\003A`)
				out.WriteString("U&")
			}
			out.WriteString("'" + lit + "'")
			i = end
		case ch == '$' && i+1 < len(text) && text[i+1] >= '0' && text[i+1] <= '9' && (i == 0 || !isIdentByte(text[i-1])):
			j := i + 1
			for j < len(text) && text[j] >= '0' && text[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(text[i+1 : j])
			if n < 1 || n > len(s.params) || s.params[n-1] == nil {
				out.WriteString("NULL")
			} else {
				name := prefix + strconv.Itoa(n)
				out.WriteString(":" + name)
				vars = append(vars, name+"="+*s.params[n-1])
			}
			i = j - 1
		default:
			out.WriteByte(ch)
		}
	}
	return strings.TrimRight(out.String(), "; \n\t"), vars
}

// quotedEnd returns the index of the quote that closes the string
// literal or quoted identifier opened at text[start], whose quotes inside
// are doubled.
func quotedEnd(text string, start int) int {
	quote := text[start]
	for i := start + 1; i < len(text); i++ {
		if text[i] != quote {
			continue
		}
		if i+1 < len(text) && text[i+1] == quote {
			i++
			continue
		}
		return i
	}
	return len(text) - 1
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// runFloor runs f in pgbench with clients connections for a warm-up and
// then d, as the server's role with its planner settings, and returns
// its transactions (requests) per second after the warm-up, and what its
// statements took meanwhile. One process runs both: a new one would
// connect and prepare again, and with 32 clients and 8 scripts of a dozen
// statements, preparing took most of a run of a few seconds, where the
// server prepares once per connection.
func (b *bench) runFloor(ctx context.Context, f *floor, clients int, d time.Duration) (float64, []statementTime, error) {
	warm := max(2*time.Second, warmup(b.duration, false)).Round(time.Second)
	cmd := b.pgbench(ctx, f, clients, warm+d.Round(time.Second))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return 0, nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(warm):
		err = errors.Join(b.db.resetStatements(ctx), <-done)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("pgbench: %w\n%s", err, tail(stderr.Bytes()))
	}
	rps, ok := progressTPS(stderr.String(), warm)
	if !ok {
		return 0, nil, fmt.Errorf("pgbench reported no progress after its warm-up:\n%s%s", stdout.Bytes(), tail(stderr.Bytes()))
	}
	times, err := b.db.statementTimes(ctx)
	return rps, times, err
}

var progressLine = regexp.MustCompile(`(?m)^progress: ([0-9.]+) s, ([0-9.]+) tps`)

// progressTPS is the mean of the transactions per second that pgbench's
// progress report (-P 1) gives for the seconds after warm.
func progressTPS(report string, warm time.Duration) (float64, bool) {
	var sum float64
	n := 0
	for _, m := range progressLine.FindAllStringSubmatch(report, -1) {
		at, err1 := strconv.ParseFloat(m[1], 64)
		tps, err2 := strconv.ParseFloat(m[2], 64)
		if err1 != nil || err2 != nil || at <= warm.Seconds() {
			continue
		}
		sum += tps
		n++
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// pgbench returns the command that runs f's scripts for d, reporting its
// progress every second.
func (b *bench) pgbench(ctx context.Context, f *floor, clients int, d time.Duration) *exec.Cmd {
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(b.db.cluster.Port), "-U", "postgres", "-n", "-P", "1",
		"-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, runtime.NumCPU())),
		"-T", strconv.Itoa(max(1, int(d.Seconds())))}
	for _, s := range f.scripts {
		args = append(args, "-f", s)
	}
	for _, v := range f.vars {
		args = append(args, "-D", v)
	}
	// Not pinned, as PostgreSQL is not: the floor is the database's, and
	// pgbench's own work, reading every row, must not bound it.
	cmd := serverproc.Command(ctx, "", b.pgbenchPath, append(args, databaseName)...)
	// As the server runs its statements: as the API's role, under
	// row-level security, with the settings its plans depend on, each
	// session holding the benchmark's workspace, as the server's
	// connections do between statements (a statement sent alone runs in
	// it; without it, it would see no row).
	options := []string{"-c role=" + db.APIRole, "-c " + db.WorkspaceSetting + "=" + benchWorkspace.id.String()}
	for _, name := range slices.Sorted(maps.Keys(db.PlannerSettings)) {
		options = append(options, "-c "+name+"="+db.PlannerSettings[name])
	}
	cmd.Env = append(os.Environ(), "PGOPTIONS="+strings.Join(options, " "))
	return cmd
}

func tail(b []byte) []byte {
	if len(b) > 2000 {
		return b[len(b)-2000:]
	}
	return b
}

// jsonLogRecord is the part of a record of PostgreSQL's jsonlog that the
// capture reads.
type jsonLogRecord struct {
	DBName      string `json:"dbname"`
	PID         int    `json:"pid"`
	VXID        string `json:"vxid"`
	BackendType string `json:"backend_type"`
	Message     string `json:"message"`
	Detail      string `json:"detail"`
	QueryID     int64  `json:"query_id"`
}

// logStatements turns log_statement on (all) or off for every session.
func (d *database) logStatements(ctx context.Context, on bool) error {
	q := "ALTER SYSTEM RESET log_statement"
	if on {
		q = "ALTER SYSTEM SET log_statement = 'all'"
	}
	if _, err := d.admin.ExecContext(ctx, q); err != nil {
		return err
	}
	if _, err := d.admin.ExecContext(ctx, "SELECT pg_reload_conf()"); err != nil {
		return err
	}
	if !on {
		return nil
	}
	// The postmaster passes the reload on to every session; once the
	// admin's own statements are logged, the others' are too.
	_, err := d.statementsDuring(ctx, func() error { return nil })
	return err
}

// statementsDuring runs send and returns the statements that sessions
// of the benchmark's database logged meanwhile. It knows that the log
// holds all of them when a marker statement sent after send appears.
func (d *database) statementsDuring(ctx context.Context, send func() error) ([]loggedStatement, error) {
	path, err := d.logPath(ctx)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := send(); err != nil {
		return nil, err
	}
	d.marks++
	mark := fmt.Sprintf("floor-mark-%d", d.marks)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := d.admin.ExecContext(ctx, "SELECT '"+mark+"'"); err != nil {
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
		var statements []loggedStatement
		found := false
		err := eachLogRecord(path, info.Size(), func(rec jsonLogRecord) bool {
			if found = strings.Contains(rec.Message, mark); found {
				return false
			}
			if s, ok := parseLogged(rec); ok && rec.DBName == databaseName && rec.BackendType == "client backend" {
				statements = append(statements, s)
			}
			return true
		})
		if err != nil || found {
			return statements, err
		}
	}
	return nil, errors.New("the database did not log its statements within 10s (is log_statement settable?)")
}

// logPath returns the path of the database's jsonlog.
func (d *database) logPath(ctx context.Context) (string, error) {
	var rel string
	if err := d.admin.QueryRowContext(ctx, "SELECT pg_current_logfile('jsonlog')").Scan(&rel); err != nil {
		return "", fmt.Errorf("the database's jsonlog: %w", err)
	}
	return filepath.Join(d.cluster.Dir, rel), nil
}

// eachLogRecord calls fn with each record of the jsonlog at path that
// begins at offset or later and is written in full, until fn returns
// false.
//
// The offset is a size the file had (os.Stat), and that may end inside a
// record: the logging collector's write of a record grows the file a page
// at a time, so a record that crosses a page boundary is seen half
// written, and a record of more than a page takes more than one write. That
// record began before the offset, so it is skipped, not read from its
// middle (which failed a run on "invalid character 'o'").
func eachLogRecord(path string, offset int64, fn func(jsonLogRecord) bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	start := max(offset-1, 0)
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	if offset > 0 {
		// The byte before the offset ends a record, or the rest of the
		// line up to its newline is the end of one begun before.
		prev, err := r.ReadByte()
		if err == nil && prev != '\n' {
			_, err = r.ReadBytes('\n')
		}
		if errors.Is(err, io.EOF) {
			return nil // nothing after the offset written in full yet
		}
		if err != nil {
			return err
		}
	}
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return nil // a record not yet written in full
		}
		if err != nil {
			return err
		}
		var rec jsonLogRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			return fmt.Errorf("jsonlog: %w", err)
		}
		if !fn(rec) {
			return nil
		}
	}
}

// parseLogged reads a statement from a log_statement record: "statement:
// <text>" for the simple protocol, "execute <name>: <text>" with its
// parameters in the detail for the extended one.
func parseLogged(rec jsonLogRecord) (loggedStatement, bool) {
	s := loggedStatement{pid: rec.PID, vxid: rec.VXID}
	if text, ok := strings.CutPrefix(rec.Message, "statement: "); ok {
		// database/sql's check of an idle connection, "-- ping", is no
		// statement of the request's.
		s.text = text
		return s, !strings.HasPrefix(text, "--") || strings.Contains(text, "\n")
	}
	rest, ok := strings.CutPrefix(rec.Message, "execute ")
	if !ok {
		return s, false
	}
	// pgx names a statement it prepares by its text: "execute T: T".
	if half := (len(rest) - 2) / 2; len(rest)%2 == 0 && rest[:half] == rest[half+2:] && rest[half:half+2] == ": " {
		s.text = rest[half+2:]
	} else if _, text, ok := strings.Cut(rest, ": "); ok {
		s.text = text
	} else {
		return s, false
	}
	s.params = parseParameters(rec.Detail)
	return s, true
}

var parameter = regexp.MustCompile(`\$(\d+) = (NULL|'((?:[^']|'')*)')`)

// parseParameters reads the detail "parameters: $1 = 'a', $2 = NULL".
func parseParameters(detail string) []*string {
	var params []*string
	for _, m := range parameter.FindAllStringSubmatch(detail, -1) {
		n, _ := strconv.Atoi(m[1])
		for len(params) < n {
			params = append(params, nil)
		}
		if m[2] != "NULL" {
			v := strings.ReplaceAll(m[3], "''", "'")
			params[n-1] = &v
		}
	}
	return params
}
