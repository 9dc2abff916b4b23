package commands

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/uuid"
)

var (
	// errUsage matches the errors of mistakes on the command line (see
	// badUsage): exit code 2.
	errUsage = errors.New("command line mistake")
	// errHelpShown means help was asked for and printed: exit code 0.
	errHelpShown = errors.New("help shown")
)

// usageMistake is a mistake on the command line; it reads as its cause.
type usageMistake struct{ err error }

func (m usageMistake) Error() string        { return m.err.Error() }
func (m usageMistake) Unwrap() error        { return m.err }
func (m usageMistake) Is(target error) bool { return target == errUsage }

// badUsage marks err as a mistake on the command line.
func badUsage(err error) error { return usageMistake{err} }

// command describes a subcommand for its help.
type command struct {
	name string
	// synopsis follows "Usage: server " in the help.
	synopsis string
	// about says what the command does and what it reads.
	about string
	// maxArgs is how many arguments the command takes besides flags.
	maxArgs int
}

// flagSet returns the command's flags, whose usage prints its help.
func (c command) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: server %s\n\n%s", c.synopsis, c.about)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse reads the command's flags and arguments, which may come in any
// order. Help goes to stdout when asked for (-h, --help), and to stderr
// with a usage error after a mistake.
func (c command) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) > c.maxArgs {
		return nil, usageError(fs, fmt.Errorf("unexpected argument %q", positional[c.maxArgs]))
	}
	return positional, nil
}

// config reads the configuration of env for a command that takes no
// flags or arguments (but -h), once args have none.
func (c command) config(args []string, env environment) (config, error) {
	if _, err := c.parse(c.flagSet(), args); err != nil {
		return config{}, err
	}
	return loadConfig(env)
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(os.Stdout)
		fs.Usage()
		return errHelpShown
	case err != nil:
		return usageError(fs, err)
	}
	return nil
}

// usageError prints the command's help to stderr and marks err as a
// command line mistake.
func usageError(fs *flag.FlagSet, err error) error {
	fs.SetOutput(os.Stderr)
	fs.Usage()
	fmt.Fprintln(os.Stderr)
	return badUsage(err)
}

// parseWorkspace reads a workspace id, as given to --workspace or kept in
// .data/workspace: a UUID, not the nil one.
func parseWorkspace(s string) (uuid.UUID, error) {
	ws, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil || ws == uuid.Nil {
		return uuid.Nil, fmt.Errorf("workspace must be a UUID, not %q", s)
	}
	return ws, nil
}
