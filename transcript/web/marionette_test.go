package web_test

import "bufio"
import "encoding/base64"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "net"
import "os"
import "os/exec"
import "path/filepath"
import "strconv"
import "strings"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/internal/testrig"

// A small client for Firefox's built-in Marionette protocol, enough for the browser tests:
// there is no geckodriver in Debian, and Marionette is what geckodriver itself talks to.
//
// The wire format: every message is "LENGTH:JSON". The server first sends a greeting object;
// a command is [0, id, "Name", params], its answer [1, id, error, result], where error is null
// or {"error", "message", "stacktrace"}.

// WebDriver key codes (the WebDriver spec's "normalised key values").
const (
	keyTab       = "\ue004"
	keyEnter     = "\ue007"
	keyEscape    = "\ue00c"
	keyAlt       = "\ue00a"
	keyShift     = "\ue008"
	keyBackspace = "\ue003"
	keyLeft      = "\ue012"
	keyUp        = "\ue013"
	keyDown      = "\ue015"
)

// webElementKey is the WebDriver key of an element reference.
const webElementKey = "element-6066-11e4-a52e-4f735466cecf"

type marionette struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	conn    net.Conn
	rd      *bufio.Reader
	mu      sync.Mutex
	next    int
	timeout time.Duration    // per command
	log     *testrig.LineLog // Firefox's stdout and stderr, for failure messages
}

// mnError is an error Marionette answered with.
type mnError struct{ Code, Message string }

func (e *mnError) Error() string { return e.Code + ": " + e.Message }

// startFirefox starts a headless Firefox on a fresh profile in dir with prefs written to its
// user.js, waits for Marionette and opens a WebDriver session.
func startFirefox(bin, dir string, prefs map[string]any) (*marionette, error) {
	profile := filepath.Join(dir, "profile")
	if err := os.MkdirAll(profile, 0o755); err != nil {
		return nil, err
	}
	var userJS strings.Builder
	prefs["marionette.port"] = 0 // Firefox picks a free port and writes it to MarionetteActivePort
	for k, v := range prefs {
		b, _ := json.Marshal(v)
		fmt.Fprintf(&userJS, "user_pref(%q, %s);\n", k, b)
	}
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(userJS.String()), 0o644); err != nil {
		return nil, err
	}
	m := &marionette{exited: make(chan struct{}), timeout: 60 * time.Second, log: &testrig.LineLog{}}
	m.cmd = exec.Command(bin, "--headless", "--marionette", "--no-remote", "--profile", profile, "about:blank")
	// Its own HOME and runtime folders: nothing of the machine's user is read or written.
	m.cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_RUNTIME_DIR="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "MOZ_CRASHREPORTER_DISABLE=1", "MOZ_HEADLESS=1")
	m.cmd.Stdout = m.log
	m.cmd.Stderr = m.cmd.Stdout
	if err := m.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { m.cmd.Wait(); close(m.exited) }()

	// Firefox writes the port once Marionette listens; a slow, loaded machine gets a minute.
	portFile := filepath.Join(profile, "MarionetteActivePort")
	deadline := time.Now().Add(90 * time.Second)
	for {
		if b, err := os.ReadFile(portFile); err == nil {
			if port, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && port > 0 {
				c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
				if err == nil {
					m.conn = c
					m.rd = bufio.NewReader(c)
					break
				}
			}
		}
		select {
		case <-m.exited:
			return nil, fmt.Errorf("firefox exited before Marionette listened: %s", m.output())
		default:
		}
		if time.Now().After(deadline) {
			m.kill()
			return nil, fmt.Errorf("firefox: Marionette did not listen within 90 s: %s", m.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := m.readMsg(); err != nil { // the greeting
		m.kill()
		return nil, fmt.Errorf("marionette greeting: %w", err)
	}
	caps := map[string]any{
		"acceptInsecureCerts":     true,
		"unhandledPromptBehavior": "ignore",
		"timeouts":                map[string]any{"script": 30000, "pageLoad": 60000, "implicit": 0},
	}
	if err := m.call("WebDriver:NewSession", caps, nil); err != nil {
		m.kill()
		return nil, fmt.Errorf("new session: %w", err)
	}
	return m, nil
}

func (m *marionette) output() string { return testrig.Tail(m.log.String(), 4000) }

func (m *marionette) readMsg() ([]byte, error) {
	n := 0
	for {
		c, err := m.rd.ReadByte()
		if err != nil {
			return nil, err
		}
		if c == ':' {
			break
		}
		if c < '0' || c > '9' || n > 1<<28 {
			return nil, fmt.Errorf("marionette: bad length prefix byte %q", c)
		}
		n = n*10 + int(c-'0')
	}
	b := make([]byte, n)
	_, err := io.ReadFull(m.rd, b)
	return b, err
}

// call sends one command and decodes the result's JSON into out (when not nil).
func (m *marionette) call(name string, params any, out any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if params == nil {
		params = map[string]any{}
	}
	m.next++
	id := m.next
	b, err := json.Marshal([]any{0, id, name, params})
	if err != nil {
		return err
	}
	m.conn.SetDeadline(time.Now().Add(m.timeout))
	if _, err := fmt.Fprintf(m.conn, "%d:%s", len(b), b); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for {
		msg, err := m.readMsg()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		var resp []json.RawMessage
		if err := json.Unmarshal(msg, &resp); err != nil || len(resp) != 4 {
			return fmt.Errorf("%s: bad answer %.200s", name, msg)
		}
		var gotID int
		json.Unmarshal(resp[1], &gotID)
		if gotID != id { // an answer to an earlier command that timed out
			continue
		}
		if s := string(resp[2]); s != "null" {
			var e struct{ Error, Message string }
			json.Unmarshal(resp[2], &e)
			return fmt.Errorf("%s: %w", name, &mnError{e.Error, e.Message})
		}
		if out != nil {
			return json.Unmarshal(resp[3], out)
		}
		return nil
	}
}

// navigate loads a URL (a change of hash only is a same-document navigation).
func (m *marionette) navigate(url string) error {
	return m.call("WebDriver:Navigate", map[string]any{"url": url}, nil)
}

// exec runs a script (a function body; "return" gives the value) and decodes its value.
func (m *marionette) exec(script string, out any, args ...any) error {
	if args == nil {
		args = []any{}
	}
	var res struct{ Value json.RawMessage }
	if err := m.call("WebDriver:ExecuteScript", map[string]any{"script": script, "args": args}, &res); err != nil {
		return err
	}
	if out != nil {
		return json.Unmarshal(res.Value, out)
	}
	return nil
}

// find returns the element reference of the first match of a CSS selector.
func (m *marionette) find(css string) (string, error) {
	var res struct{ Value map[string]string }
	if err := m.call("WebDriver:FindElement", map[string]any{"using": "css selector", "value": css}, &res); err != nil {
		return "", err
	}
	id := res.Value[webElementKey]
	if id == "" {
		return "", errors.New("find " + css + ": no element reference in the answer")
	}
	return id, nil
}

// click clicks an element the way a user does (scrolled into view, at its centre, refused
// when another element covers it).
func (m *marionette) click(css string) error {
	id, err := m.find(css)
	if err != nil {
		return err
	}
	return m.call("WebDriver:ElementClick", map[string]any{"id": id}, nil)
}

// sendKeys focuses an element and types text into it, one key event per character.
func (m *marionette) sendKeys(css, text string) error {
	id, err := m.find(css)
	if err != nil {
		return err
	}
	return m.call("WebDriver:ElementSendKeys", map[string]any{"id": id, "text": text}, nil)
}

// keys presses each key in turn on the focused element, holding mods down around them.
func (m *marionette) keys(mods []string, keys ...string) error {
	var acts []map[string]any
	for _, k := range mods {
		acts = append(acts, map[string]any{"type": "keyDown", "value": k})
	}
	for _, k := range keys {
		acts = append(acts, map[string]any{"type": "keyDown", "value": k}, map[string]any{"type": "keyUp", "value": k})
	}
	for i := len(mods) - 1; i >= 0; i-- {
		acts = append(acts, map[string]any{"type": "keyUp", "value": mods[i]})
	}
	return m.call("WebDriver:PerformActions", map[string]any{"actions": []any{
		map[string]any{"type": "key", "id": "keyboard", "actions": acts},
	}}, nil)
}

// dblclick double-clicks the centre of an element with the mouse.
func (m *marionette) dblclick(css string) error {
	id, err := m.find(css)
	if err != nil {
		return err
	}
	press := []any{map[string]any{"type": "pointerDown", "button": 0}, map[string]any{"type": "pointerUp", "button": 0}}
	acts := append([]any{map[string]any{"type": "pointerMove", "x": 0, "y": 0, "origin": map[string]string{webElementKey: id}}}, press...)
	acts = append(acts, press...)
	return m.call("WebDriver:PerformActions", map[string]any{"actions": []any{
		map[string]any{"type": "pointer", "id": "mouse", "parameters": map[string]any{"pointerType": "mouse"}, "actions": acts},
	}}, nil)
}

// screenshot returns a PNG of the viewport.
func (m *marionette) screenshot() ([]byte, error) {
	var res struct{ Value string }
	if err := m.call("WebDriver:TakeScreenshot", map[string]any{"full": false}, &res); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(res.Value)
}

// quit ends the session and Firefox; it kills Firefox when it does not exit in time.
func (m *marionette) quit() {
	if m.conn != nil {
		m.timeout = 10 * time.Second
		m.call("Marionette:Quit", map[string]any{"flags": []string{"eForceQuit"}}, nil)
		m.conn.Close()
	}
	select {
	case <-m.exited:
	case <-time.After(20 * time.Second):
		m.kill()
	}
}

func (m *marionette) kill() {
	m.cmd.Process.Kill()
	<-m.exited
}
