//go:build tools

// Package deps pins modules that the project is growing into, so go mod tidy keeps them.
package deps
import (
 _ "github.com/spf13/cobra"
 _ "github.com/gorilla/websocket"
 _ "github.com/go-audio/wav"
 _ "github.com/gordonklaus/portaudio"
 _ "github.com/prometheus/client_golang/prometheus"
 _ "go.yaml.in/yaml/v3"
 _ "modernc.org/sqlite"
 _ "golang.org/x/crypto/argon2"
 _ "golang.org/x/term"
 _ "go.uber.org/goleak"
 _ "github.com/chromedp/chromedp"
 _ "github.com/go-pdf/fpdf"
 _ "github.com/ggerganov/whisper.cpp/bindings/go/pkg/whisper"
)
