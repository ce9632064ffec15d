package main

import "bytes"
import "context"
import "errors"
import "fmt"
import "io"
import "os"
import "path/filepath"
import "strings"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/internal/atomicfile"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/export"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

func init() { addCommand(newTranscriptCmd) }

// openRecordStore opens DATA/courtscribe.db; it refuses to create one where none exists
// (a typo in --data must not look like an empty, intact record).
func openRecordStore(ctx context.Context, data string) (*sqlite.Store, error) {
	if _, err := os.Stat(filepath.Join(data, "courtscribe.db")); err != nil {
		return nil, fmt.Errorf("no hearing record in %s: %w", data, err)
	}
	return sqlite.OpenData(ctx, data, sqlite.Options{Logger: newLogger(os.Stderr)})
}

func newTranscriptCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "transcript",
		Short: "The hearing record: audit the history, verify a signed export, export a hearing",
	}
	cmd.AddCommand(newTranscriptAuditCmd(), newTranscriptVerifyCmd(), newTranscriptExportCmd())
	cmd.AddCommand(newTranscriptHeadCmd(), newTranscriptKeysCmd())
	return cmd
}

// auditFlags are transcript audit's flags.
type auditFlags struct {
	recordFlags
	hearing, expect string
	all             bool
}

func newTranscriptAuditCmd() *cobra.Command {
	var fl auditFlags
	c := &cobra.Command{
		Use:   "audit",
		Short: "Verify a hearing's hash chain, its rows against its history, and its versions' hashes and signatures",
		Long: "Exits 0 when the record is intact, 3 when something was altered outside courtscribe (the first\n" +
			"broken event is named), 1 on other errors. --hearing \"\" audits the chain of user administration;\n" +
			"--all audits every hearing and the user chain. --expect-head SEQ:HASH (as `transcript head` or an\n" +
			"export printed it) must still be in the hearing's chain: a rewritten chain or a deleted tail fails.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !fl.all && !cmd.Flags().Changed("hearing") {
				return fmt.Errorf("audit: --hearing ID or --all")
			}
			return fl.run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	fl.add(c.Flags())
	c.Flags().StringVar(&fl.hearing, "hearing", "", "hearing id")
	c.Flags().BoolVar(&fl.all, "all", false, "audit every hearing and the user chain")
	c.Flags().StringVar(&fl.expect, "expect-head", "", "a published chain head SEQ:HASH (or HASH) the chain must still hold")
	return c
}

// run audits the hearings the flags name; exit code 3 says the first problem found.
func (fl *auditFlags) run(ctx context.Context, out io.Writer) error {
	s, err := fl.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	ids, err := fl.hearings(ctx, s)
	if err != nil {
		return err
	}
	var want transcript.ChainHead
	if fl.expect != "" {
		if fl.all {
			return fmt.Errorf("audit: --expect-head needs one --hearing, not --all")
		}
		if want, err = transcript.ParseChainHead(fl.expect); err != nil {
			return err
		}
	}
	var first *transcript.AuditProblem
	for _, id := range ids {
		rep, err := fl.audit(ctx, s, id, want, out)
		if err != nil {
			return err
		}
		if !rep.OK() && first == nil {
			first = &rep.Problems[0]
		}
	}
	if first != nil {
		return &exitError{code: 3, err: fmt.Errorf("audit failed: %s", first.String())}
	}
	return nil
}

// hearings lists what to audit: the one --hearing, or with --all the user chain ("") and
// every hearing.
func (fl *auditFlags) hearings(ctx context.Context, s *sqlite.Store) ([]string, error) {
	if !fl.all {
		return []string{fl.hearing}, nil
	}
	hs, err := s.ListHearings(ctx, transcript.ListHearingsOptions{})
	if err != nil {
		return nil, err
	}
	ids := []string{""}
	for _, h := range hs {
		ids = append(ids, h.ID)
	}
	return ids, nil
}

// audit audits one hearing (and, with --expect-head, looks for want in its chain) and
// prints the result.
func (fl *auditFlags) audit(ctx context.Context, s *sqlite.Store, id string, want transcript.ChainHead, out io.Writer) (*transcript.AuditReport, error) {
	rep, err := s.AuditHearing(ctx, id)
	if err != nil {
		return nil, err
	}
	if fl.expect != "" {
		found, cur, err := s.FindHead(ctx, id, want)
		if err != nil {
			return nil, err
		}
		if !found {
			rep.Problems = append(rep.Problems, transcript.AuditProblem{Message: fmt.Sprintf("the published head %s is not in the chain (now %s): the chain was rewritten or its tail removed", want, cur)})
		} else {
			fmt.Fprintf(out, "published head %s is in the chain (now %s)\n", want, cur)
		}
	}
	fmt.Fprintf(out, "hearing %q: %d events, %d segments, %d notes, %d versions checked; head %s\n",
		rep.HearingID, rep.Events, rep.Segments, rep.Notes, rep.Versions, rep.Head)
	if rep.OK() {
		fmt.Fprintln(out, "audit: OK, the record is intact")
		return rep, nil
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(out, "BROKEN:", p.String())
	}
	return rep, nil
}

// verifyFlags are transcript verify's flags.
type verifyFlags struct{ pubkey, keyFile, audio string }

func newTranscriptVerifyCmd() *cobra.Command {
	var fl verifyFlags
	c := &cobra.Command{
		Use:   "verify FILE.json",
		Short: "Verify a signed record export offline: canonical form, version hash, Ed25519 signature, audio hashes",
		Long: "Exits 0 when the record verifies, 3 when it does not (the reason is printed), 1 on other errors.\n" +
			"--pubkey FILE holds the judge's public key (base64, as `users pubkey` prints it); --keys FILE is a\n" +
			"trusted key file (`transcript keys` prints one: NAME KEY per line) in which the signer's key must be\n" +
			"listed under the signer's name. Without either, the key named in the signature block proves the\n" +
			"record intact, but not who signed: the output says SIGNER UNVERIFIED and gives the key's fingerprint.\n" +
			"--audio DIR is the hearing directory (DATA/hearings/ID) or its audio/ folder.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			trusted, keys, err := fl.trust()
			if err != nil {
				return err
			}
			res, err := transcript.VerifyRecord(b, trusted, fl.audio)
			if err == nil && keys != nil {
				if verr := keys.Vouch(res.Record.Signature); verr != nil {
					err = fmt.Errorf("signature: %w (trusted key file %s)", verr, fl.keyFile)
				}
			}
			out := cmd.OutOrStdout()
			if err != nil {
				fmt.Fprintln(out, "verify: FAILED:", err)
				return &exitError{code: 3, err: fmt.Errorf("verification failed: %w", err)}
			}
			fl.print(out, res)
			return nil
		},
	}
	c.Flags().StringVar(&fl.pubkey, "pubkey", "", "file with the judge's trusted public key (base64)")
	c.Flags().StringVar(&fl.keyFile, "keys", "", "trusted key file: NAME KEY lines (`transcript keys` prints it)")
	c.Flags().StringVar(&fl.audio, "audio", "", "hearing directory whose audio files to check")
	return c
}

// trust reads --pubkey and --keys: the trusted key and the trusted key file (each nil when
// not given).
func (fl *verifyFlags) trust() ([]byte, transcript.KeyHistory, error) {
	var trusted []byte
	if fl.pubkey != "" {
		kb, err := os.ReadFile(fl.pubkey)
		if err != nil {
			return nil, nil, err
		}
		if trusted, err = transcript.ParsePublicKey(string(bytes.TrimSpace(kb))); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", fl.pubkey, err)
		}
	}
	var keys transcript.KeyHistory
	if fl.keyFile != "" {
		kb, err := os.ReadFile(fl.keyFile)
		if err != nil {
			return nil, nil, err
		}
		if keys, err = transcript.ParseKeyFile(kb); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", fl.keyFile, err)
		}
	}
	return trusted, keys, nil
}

// print reports a verified record: who signed (vouched for or not), cosignatures, reviews,
// missing signers, the chain head and the audio.
func (fl *verifyFlags) print(out io.Writer, res *transcript.VerifyResult) {
	r := res.Record
	pub, _ := transcript.ParsePublicKey(r.Signature.PublicKey)
	fp := "SHA256:" + transcript.KeyFingerprint(pub) // hex, as in the signature block
	when := r.Signature.SignedAt.Format("2006-01-02T15:04:05Z07:00")
	if fl.pubkey == "" && fl.keyFile == "" {
		fmt.Fprintf(out, "verify: INTACT, SIGNER UNVERIFIED\nhearing %s (%s), version %d\nversion hash %s\n"+
			"signature valid for key %s, which claims to be %s's (at %s); this key is NOT vouched for:\n"+
			"give --pubkey FILE or --keys FILE (from `courtscribe transcript keys`) to check who signed\n",
			r.Hearing.ID, r.Hearing.CaseNumber, r.Version, res.VersionHash, fp, res.Signer, when)
	} else {
		fmt.Fprintf(out, "verify: OK\nhearing %s (%s), version %d\nversion hash %s\nsigned by %s at %s, key %s (%s), a trusted key\n",
			r.Hearing.ID, r.Hearing.CaseNumber, r.Version, res.VersionHash, res.Signer, when, fp, r.Signature.PublicKey)
	}
	for _, sg := range r.Cosignatures {
		fmt.Fprintf(out, "also signed by %s (%s) at %s, key %s\n", sg.Signer, sg.Role, sg.SignedAt.Format("2006-01-02T15:04:05Z07:00"), sg.PublicKey)
	}
	for _, rv := range r.Reviews {
		fmt.Fprintf(out, "party review: %s %s %s\n", rv.Party, rv.Outcome, rv.Reason)
	}
	if len(res.Missing) > 0 {
		fmt.Fprintf(out, "not yet signed by: %s (the record is not complete: a draft until they sign)\n", strings.Join(res.Missing, ", "))
	}
	fmt.Fprintf(out, "audit chain head at this version %s\n", r.AuditHead)
	if fl.audio != "" {
		fmt.Fprintf(out, "audio: %d files match their SHA-256\n", res.AudioFiles)
	}
}

func newTranscriptExportCmd() *cobra.Command {
	var rf recordFlags
	var hearing, format, out, font, tz string
	var version, linesPerPage int
	c := &cobra.Command{
		Use:   "export",
		Short: "Export a hearing: json (canonical, signed), txt (庭审笔录 / US transcript), pdf, srt, vtt",
		Args:  cobra.NoArgs,
		RunE: rf.with(func(cmd *cobra.Command, s *sqlite.Store) error {
			r, err := s.Record(cmd.Context(), hearing, version)
			if err != nil {
				return err
			}
			if err := export.CheckLinesPerPage(linesPerPage); err != nil {
				return fmt.Errorf("--lines-per-page: %w", err)
			}
			opt := export.Options{FontPath: font, LinesPerPage: linesPerPage}
			if tz != "" {
				if err := transcript.CheckTimeZone(tz); err != nil {
					return fmt.Errorf("--timezone: %w", err)
				}
				opt.Location = transcript.Location(tz)
			}
			var buf bytes.Buffer
			if err := export.Write(&buf, r, format, opt); err != nil {
				return err
			}
			if format == "pdf" { // say which CJK font the PDF embeds (UMing, or the sans fallback)
				if f, latin, err := export.PDFFonts(opt); err == nil {
					kind := "sans; install fonts-arphic-uming for the serif 笔录"
					if f.Serif {
						kind = "serif"
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "pdf: CJK font %s (%s) from %s, Latin %s\n", f.Name, kind, f.Path, filepath.Base(latin))
				}
			}
			if out == "" || out == "-" {
				_, err := io.Copy(cmd.OutOrStdout(), &buf)
				return err
			}
			// 0666 before the umask, like os.Create.
			return atomicfile.WriteFile(out, buf.Bytes(), 0o666)
		}),
	}
	rf.add(c.Flags())
	c.Flags().StringVar(&hearing, "hearing", "", "hearing id")
	c.Flags().StringVar(&format, "format", "json", "json, txt, pdf, srt or vtt")
	c.Flags().StringVar(&out, "out", "", "output file (default: standard output)")
	c.Flags().IntVar(&version, "version", 0, "record version (0: the latest version, or the live state before finalization)")
	c.Flags().StringVar(&font, "font", "", "TrueType CJK font (.ttf, or face 0 of a .ttc) for pdf (default: AR PL UMing from fonts-arphic-uming, else fonts-droid-fallback)")
	c.Flags().IntVar(&linesPerPage, "lines-per-page", export.DefaultLinesPerPage, fmt.Sprintf("numbered lines per page of the US transcript layout (%d–%d; some states use 32)", export.MinLinesPerPage, export.MaxLinesPerPage))
	c.Flags().StringVar(&tz, "timezone", "", "print times in this IANA zone instead of the hearing's own (the zone the server kept with it)")
	c.MarkFlagRequired("hearing")
	return c
}

var errNoPassword = errors.New("no password given")
