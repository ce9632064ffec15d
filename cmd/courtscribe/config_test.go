package main

import "os"
import "path/filepath"
import "testing"

import "github.com/spf13/cobra"

func testCmd() (*cobra.Command, *string, *int) {
	var listen string
	var workers int
	c := &cobra.Command{Use: "server", RunE: func(*cobra.Command, []string) error { return nil }}
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "")
	c.Flags().IntVar(&workers, "workers", 1, "")
	return c, &listen, &workers
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.yaml")
	os.WriteFile(p, []byte("listen: 0.0.0.0:9\nworkers: 3\n"), 0o644)
	flagConfig = p
	defer func() { flagConfig = "" }()

	c, listen, workers := testCmd()
	env := map[string]string{"COURTSCRIBE_WORKERS": "5"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if err := applyConfig(c, lookup); err != nil {
		t.Fatal(err)
	}
	if *listen != "0.0.0.0:9" || *workers != 5 {
		t.Fatalf("listen %q workers %d: env must beat file, file must beat default", *listen, *workers)
	}
	c, listen, _ = testCmd()
	c.Flags().Set("listen", "1.2.3.4:5")
	if err := applyConfig(c, lookup); err != nil || *listen != "1.2.3.4:5" {
		t.Fatalf("flag must beat file: %q %v", *listen, err)
	}
}

func TestConfigUnknownKeyIsError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(p, []byte("listen: x\nlisten_typo: y\n"), 0o644)
	flagConfig = p
	defer func() { flagConfig = "" }()
	c, _, _ := testCmd()
	if err := applyConfig(c, func(string) (string, bool) { return "", false }); err == nil {
		t.Fatal("unknown key accepted")
	}
	os.WriteFile(p, []byte("workers: many\n"), 0o644)
	c, _, _ = testCmd()
	if err := applyConfig(c, func(string) (string, bool) { return "", false }); err == nil {
		t.Fatal("bad value accepted")
	}
}
