// Command courtscribe is the one binary of courtscribe: capture agent, server, diarizer,
// transcriber, model tools and transcript tools. Each command group lives in its own file and
// registers itself with addCommand; the work lives in the library packages.
package main

import "context"
import "errors"
import "fmt"
import "os"
import "os/signal"
import "strings"
import "syscall"

import "github.com/spf13/cobra"

// version is set with -ldflags "-X main.version=...".
var version = "dev"

var commandFactories []func() *cobra.Command

// addCommand registers a command group; called from init in each cmd_*.go file.
func addCommand(f func() *cobra.Command) { commandFactories = append(commandFactories, f) }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "courtscribe",
		Short:         "Real-time courtroom speech transcription: capture, archive, diarize, transcribe, sign",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	addGlobalFlags(root)
	for _, f := range commandFactories {
		root.AddCommand(f())
	}
	return root
}

// cliMessage is an error as a person at the terminal reads it. The record's errors carry their
// package's name ("transcript: already exists"), as Go errors do for programs and logs; at the
// terminal that prefix only confused ("user judge1: transcript: already exists").
func cliMessage(err error) string {
	return strings.ReplaceAll(err.Error(), "transcript: ", "")
}

// exitCoder lets a command choose its exit status (e.g. verification failures).
type exitCoder interface{ ExitCode() int }

type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }

func main() {
	// First signal cancels the context: commands drain, flush and close their files.
	// A second signal forces the process out.
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "courtscribe: shutting down (flushing); signal again to force")
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "courtscribe: forced exit")
		os.Exit(130)
	}()
	err := newRootCmd().ExecuteContext(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "courtscribe:", cliMessage(err))
		var ec exitCoder
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}
