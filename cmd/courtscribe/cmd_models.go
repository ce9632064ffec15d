package main

import "errors"
import "fmt"
import "io"
import "os"
import "path/filepath"
import "strings"
import "text/tabwriter"
import "time"

import "github.com/spf13/cobra"
import "golang.org/x/term"

import "github.com/courtscribe/courtscribe/models"
import "github.com/courtscribe/courtscribe/transcript/backup"

func init() { addCommand(newModelsCmd) }

func newModelsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "models",
		Short: "Whisper model files: list the catalog, download with verification, verify a file",
	}
	cmd.AddCommand(newModelsListCmd(), newModelsDownloadCmd(), newModelsVerifyCmd())
	return cmd
}

func newModelsListCmd() *cobra.Command {
	var listDir string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the published ggml Whisper models (size, weights, SHA-256) and which are in --dir",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSIZE\tWEIGHTS\tLANGUAGES\tSHA-256\tIN DIR")
			for _, e := range models.Catalog() {
				lang := "multilingual"
				if e.English() {
					lang = "English"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, backup.Size(e.Size), e.Weights, lang, shortSum(e.SHA256), modelInDir(listDir, e))
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&listDir, "dir", "var/models", "model directory to look in")
	return list
}

// shortSum is the first 16 hex digits of a SHA-256, or (unknown).
func shortSum(sum string) string {
	if sum == "" {
		return "(unknown)"
	}
	return sum[:16] + "…"
}

// modelInDir says whether dir holds model e: yes, wrong size, partial (a .part download) or -.
func modelInDir(dir string, e models.Entry) string {
	if st, err := os.Stat(filepath.Join(dir, e.File())); err == nil {
		if st.Size() != e.Size {
			return "wrong size"
		}
		return "yes"
	}
	if _, err := os.Stat(filepath.Join(dir, e.File()+".part")); err == nil {
		return "partial"
	}
	return "-"
}

func newModelsDownloadCmd() *cobra.Command {

	var (
		dir, url, baseURL string
		sha256            string
		skipHash, quiet   bool
		retries           int
	)
	download := &cobra.Command{
		Use:   "download NAME",
		Short: "Download a catalog model into --dir (resumes a .part file, checks size, SHA-256 and ggml structure)",
		Long: `Download a catalog model into --dir as ggml-NAME.bin. The transfer goes to ggml-NAME.bin.part
and resumes it with an HTTP Range request when run again; the finished file must have the
catalog size and SHA-256 and be a well-formed ggml Whisper model before it is renamed into place.

A model outside the catalog (a fine-tuned or self-quantized one on a mirror) needs --url and
--sha256 (or --insecure-skip-hash).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := downloadEntry(args[0], url, sha256)
			if err != nil {
				return err
			}
			opt := models.DownloadOptions{
				Dir: dir, URL: url, BaseURL: baseURL, InsecureSkipHash: skipHash, Retries: retries,
				Logger: newLogger(cmd.ErrOrStderr()),
			}
			var bar *progressBar
			if !quiet {
				bar = newProgressBar(cmd.ErrOrStderr(), e.Name, time.Now)
				opt.Progress = bar.update
			}
			path, err := models.Download(cmd.Context(), e, opt)
			if bar != nil {
				bar.finish()
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), path)
			return nil
		},
	}
	download.Flags().StringVar(&dir, "dir", "var/models", "directory to download into")
	download.Flags().StringVar(&url, "url", "", "download from this exact URL instead (a mirror or a test server)")
	download.Flags().StringVar(&baseURL, "base-url", models.DefaultBaseURL, "base URL of the model hub or a mirror; the file name is appended")
	download.Flags().StringVar(&sha256, "sha256", "", "expected SHA-256 of a model outside the catalog")
	download.Flags().BoolVar(&skipHash, "insecure-skip-hash", false, "allow a model whose SHA-256 is unknown (size, when known, and ggml structure are still checked)")
	download.Flags().IntVar(&retries, "retries", 3, "times to resume a transfer broken by a network error")
	download.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	return download
}

// downloadEntry is the model to download: a catalog entry (--sha256, if given, must agree) or,
// with --url, a model outside the catalog named after the file.
func downloadEntry(arg, url, sha256 string) (models.Entry, error) {
	e, ok := models.Lookup(arg)
	switch {
	case ok && sha256 != "" && sha256 != e.SHA256:
		return e, fmt.Errorf("--sha256 %s contradicts the catalog's %s for %s", sha256, e.SHA256, e.Name)
	case !ok && url == "":
		return e, fmt.Errorf("unknown model %q (a model outside the catalog needs --url and --sha256); known: %s", arg, strings.Join(models.Names(), ", "))
	case !ok:
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(arg), "ggml-"), ".bin")
		if name == "" || name == "." || name == ".." {
			return e, fmt.Errorf("bad model name %q", arg)
		}
		e = models.Entry{Name: name, SHA256: strings.ToLower(sha256)}
	}
	return e, nil
}

func newModelsVerifyCmd() *cobra.Command {
	verify := &cobra.Command{
		Use:   "verify PATH",
		Short: "Check a model file: ggml structure, and SHA-256 when its size is a catalog model's (exit 0 and a summary, or non-zero and the reason)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := models.Verify(cmd.Context(), args[0])
			if err != nil {
				if errors.Is(err, models.ErrInvalid) || errors.Is(err, models.ErrMismatch) {
					return &exitError{code: 2, err: oneLine(err)}
				}
				return oneLine(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), v.Summary())
			return nil
		},
	}

	return verify
}

// oneLine keeps an error on one line (the verify contract).
func oneLine(err error) error {
	s := err.Error()
	if !strings.ContainsAny(s, "\r\n") {
		return err
	}
	return errors.New(strings.Join(strings.Fields(s), " "))
}

// progressBar draws download progress on a terminal (one line redrawn at most 5 times a
// second) or, when the output is not a terminal, prints a line every 10 %.
type progressBar struct {
	w         io.Writer
	tty       bool
	name      string
	now       func() time.Time
	start     time.Time
	lastDraw  time.Time
	lastTenth int64
	drawn     bool
	done      int64
	total     int64
}

func newProgressBar(w io.Writer, name string, now func() time.Time) *progressBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &progressBar{w: w, tty: tty, name: name, now: now, start: now(), lastTenth: -1}
}

func (p *progressBar) update(done, total int64) {
	p.done, p.total = done, total
	t := p.now()
	if p.tty {
		if done != total && t.Sub(p.lastDraw) < 200*time.Millisecond {
			return
		}
		p.lastDraw = t
		fmt.Fprintf(p.w, "\r%s", p.line(t))
		p.drawn = true
		return
	}
	if total <= 0 {
		return
	}
	if tenth := done * 10 / total; tenth != p.lastTenth {
		p.lastTenth = tenth
		fmt.Fprintln(p.w, p.line(t))
	}
}

func (p *progressBar) line(t time.Time) string {
	const width = 30
	rate := ""
	if el := t.Sub(p.start).Seconds(); el > 0 {
		rate = fmt.Sprintf(" %s/s", backup.Size(int64(float64(p.done)/el)))
	}
	if p.total <= 0 {
		return fmt.Sprintf("%s %s%s", p.name, backup.Size(p.done), rate)
	}
	fill := int(p.done * width / p.total)
	return fmt.Sprintf("%s [%s%s] %5.1f%% %s / %s%s", p.name, strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		100*float64(p.done)/float64(p.total), backup.Size(p.done), backup.Size(p.total), rate)
}

// finish ends the terminal line.
func (p *progressBar) finish() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
	}
}
