package main

import "bytes"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "os"
import "strings"

import "github.com/spf13/cobra"
import "github.com/spf13/pflag"
import "go.yaml.in/yaml/v3"

// Configuration comes, in order of precedence, from flags, COURTSCRIBE_* environment variables
// (the flag name in upper case with '-' as '_': --listen → COURTSCRIBE_LISTEN) and an optional
// YAML file given with --config (keys are the flag names of the command, decoded strictly: an
// unknown key is an error).

var (
	flagConfig   string
	flagLogLevel string
	flagLogJSON  bool
)

func addGlobalFlags(root *cobra.Command) {
	root.PersistentFlags().StringVar(&flagConfig, "config", "", "YAML configuration file (keys are flag names)")
	root.PersistentFlags().StringVar(&flagLogLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().BoolVar(&flagLogJSON, "log-json", false, "log as JSON lines")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		return applyConfig(cmd, os.LookupEnv)
	}
}

// applyConfig fills flags the user did not set from the environment, then from the YAML file.
func applyConfig(cmd *cobra.Command, lookup func(string) (string, bool)) error {
	var file map[string]any
	path := flagConfig
	if v, ok := lookup("COURTSCRIBE_CONFIG"); ok && !cmd.Flags().Changed("config") {
		path = v
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		file, err = decodeConfig(b)
		if err != nil {
			return fmt.Errorf("config %s: %w", path, err)
		}
	}
	known := map[string]bool{}
	var ferr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		known[f.Name] = true
		if ferr != nil || f.Changed || f.Name == "help" {
			return
		}
		env := "COURTSCRIBE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := lookup(env); ok {
			if err := cmd.Flags().Set(f.Name, v); err != nil {
				ferr = fmt.Errorf("%s: %w", env, err)
			}
			return
		}
		if v, ok := file[f.Name]; ok {
			if err := cmd.Flags().Set(f.Name, configString(v)); err != nil {
				ferr = fmt.Errorf("config key %q: %w", f.Name, err)
			}
		}
	})
	if ferr != nil {
		return ferr
	}
	for k := range file {
		if !known[k] {
			return fmt.Errorf("config: unknown key %q for command %q", k, cmd.CommandPath())
		}
	}
	return nil
}

func decodeConfig(b []byte) (map[string]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var m map[string]any
	if err := dec.Decode(&m); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return m, nil
}

func configString(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ",")
	default:
		return fmt.Sprint(v)
	}
}

// newLogger builds the process logger from the global flags.
func newLogger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(flagLogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if flagLogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
