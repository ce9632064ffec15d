package testrig

import "encoding/json"
import "fmt"
import "io"
import "net/http"
import "net/http/httptest"
import "testing"

// FakeWhisperServer answers like whisper-server's verbose_json: "utterance of N seconds", N
// the duration of the 16 kHz mono WAV posted as "file". It closes at the end of the test.
func FakeWhisperServer(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, _, err := r.FormFile("file")
		if err != nil {
			writeAnswer(w, `{"error":"no 'file' field in the request"}`)
			return
		}
		b, err := io.ReadAll(f)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		dur := float64(len(b)-44) / 32000
		text := fmt.Sprintf("utterance of %.1f seconds", dur)
		ans, err := json.Marshal(map[string]any{"task": "transcribe", "language": "english", "duration": dur, "text": text,
			"segments": []any{map[string]any{"id": 0, "text": text, "start": 0.0, "end": dur,
				"words": []any{map[string]any{"word": " utterance", "start": 0.0, "end": 0.5, "probability": 0.8}}}}})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeAnswer(w, string(ans)+"\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// writeAnswer writes a fake server's answer; a client that went away is the client's affair.
func writeAnswer(w io.Writer, s string) {
	_, _ = io.WriteString(w, s)
}
