package faults

import "bytes"
import "crypto/sha256"
import "encoding/hex"
import "errors"
import "net/http"
import "net/http/httptest"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/models"

// runModels runs the built binary and returns stdout, stderr and the exit code.
func runModels(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(testrig.Binary(t), append([]string{"models"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func testModel(t *testing.T) []byte {
	hp, _ := models.KnownHParams("base.en")
	var b bytes.Buffer
	if err := models.WriteTestModel(&b, hp, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestModelsVerifyContract(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.bin")
	content := testModel(t)
	if err := os.WriteFile(good, content, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runModels(t, "verify", good)
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "ok: good.bin: base.en f16 (header only)") {
		t.Fatalf("good file: code %d, out %q, err %q", code, out, errOut)
	}
	bad := filepath.Join(dir, "bad.bin")
	if err := os.WriteFile(bad, content[:len(content)-7], 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runModels(t, "verify", bad)
	if code == 0 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "truncated") {
		t.Fatalf("truncated file: code %d, out %q, err %q", code, out, errOut)
	}
	_, errOut, code = runModels(t, "verify", filepath.Join(dir, "missing.bin"))
	if code == 0 || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("missing file: code %d, err %q", code, errOut)
	}
}

func TestModelsDownloadCommand(t *testing.T) {
	content := testModel(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "m.bin", time.Time{}, bytes.NewReader(content))
	}))
	defer srv.Close()
	sum := sha256.Sum256(content)
	dir := t.TempDir()

	out, errOut, code := runModels(t, "download", "court-test", "--url", srv.URL+"/m.bin", "--sha256", hex.EncodeToString(sum[:]), "--dir", dir)
	want := filepath.Join(dir, "ggml-court-test.bin")
	if code != 0 || strings.TrimSpace(out) != want || !strings.Contains(errOut, "100.0%") {
		t.Fatalf("download: code %d, out %q, err %q", code, out, errOut)
	}
	if got, _ := os.ReadFile(want); !bytes.Equal(got, content) {
		t.Fatal("downloaded file differs")
	}
	if out, _, code := runModels(t, "verify", want); code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("verify after download: %d %q", code, out)
	}

	// A catalog model from a server with other bytes: refused, nothing left in place.
	_, errOut, code = runModels(t, "download", "tiny", "--url", srv.URL+"/m.bin", "--dir", dir, "--quiet")
	if code == 0 || !strings.Contains(errOut, "does not match") {
		t.Fatalf("wrong bytes for tiny: code %d, err %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "ggml-tiny.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("mismatching tiny was put in place")
	}
	// No hash, no download.
	_, errOut, code = runModels(t, "download", "other", "--url", srv.URL+"/m.bin", "--dir", dir)
	if code == 0 || !strings.Contains(errOut, "insecure-skip-hash") {
		t.Fatalf("no hash: code %d, err %q", code, errOut)
	}
	_, errOut, code = runModels(t, "download", "nonesuch", "--dir", dir)
	if code == 0 || !strings.Contains(errOut, "large-v3-turbo") {
		t.Fatalf("unknown name: code %d, err %q", code, errOut)
	}
	out, _, code = runModels(t, "list", "--dir", dir)
	if code != 0 || !strings.Contains(out, "large-v3-turbo-q5_0") || !strings.Contains(out, "1fc70f774d38eb16") {
		t.Fatalf("list: %d %q", code, out)
	}
}
