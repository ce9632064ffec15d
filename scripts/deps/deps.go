//go:build tools

// Package deps pins modules that the project is growing into, so go mod tidy keeps them.
package deps

import _ "github.com/chromedp/chromedp"
import _ "github.com/ggerganov/whisper.cpp/bindings/go/pkg/whisper"
import _ "github.com/go-audio/wav"
import _ "github.com/go-pdf/fpdf"
import _ "github.com/gordonklaus/portaudio"
import _ "github.com/gorilla/websocket"
import _ "github.com/prometheus/client_golang/prometheus"
import _ "github.com/spf13/cobra"
import _ "go.uber.org/goleak"
import _ "go.yaml.in/yaml/v3"
import _ "golang.org/x/crypto/argon2"
import _ "golang.org/x/term"
import _ "modernc.org/sqlite"
