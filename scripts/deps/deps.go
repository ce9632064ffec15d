//go:build tools

// Package deps pins modules that the project is growing into, so go mod tidy keeps them.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/ggerganov/whisper.cpp/bindings/go/pkg/whisper"
	_ "github.com/go-audio/wav"
	_ "github.com/go-pdf/fpdf"
	_ "github.com/gordonklaus/portaudio"
	_ "github.com/gorilla/websocket"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/spf13/cobra"
	_ "go.uber.org/goleak"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/term"
	_ "modernc.org/sqlite"
)
