package main

import "fmt"
import "sort"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// transcript head and transcript keys: what to publish outside the database so that a
// rewritten record can be found (the chain head of a hearing) and who may sign (every user's
// registered keys, a trusted key file for `transcript verify --keys`).

func newTranscriptHeadCmd() *cobra.Command {
	var rf recordFlags
	var hearing string
	c := &cobra.Command{
		Use:   "head",
		Short: "Print a hearing's audit chain head (SEQ:HASH) to publish outside the database",
		Long: "Audits the hearing's chain, then prints its head as SEQ:HASH. Keep it outside the server (a\n" +
			"register, a mail, the printed record): `transcript audit --expect-head SEQ:HASH` later proves the\n" +
			"chain still holds that event, so a rewritten chain or a deleted tail is found even if the whole\n" +
			"database and its head log were replaced. --hearing \"\" is the chain of user administration.\n" +
			"Exits 0, 3 when the audit fails (nothing is printed as a head then), 1 on other errors.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("hearing") {
				return fmt.Errorf("head: --hearing ID")
			}
			s, err := rf.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			rep, err := s.AuditHearing(cmd.Context(), hearing)
			if err != nil {
				return err
			}
			if !rep.OK() {
				return &exitError{code: 3, err: fmt.Errorf("audit failed, no head to publish: %s", rep.Problems[0].String())}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "hearing %q head %s\n", hearing, transcript.ChainHead{Seq: int64(rep.Events), Hash: rep.Head})
			return nil
		},
	}
	rf.add(c.Flags())
	c.Flags().StringVar(&hearing, "hearing", "", "hearing id")
	return c
}

func newTranscriptKeysCmd() *cobra.Command {
	var rf recordFlags
	c := &cobra.Command{
		Use:   "keys",
		Short: "Print every user's registered signing keys as a trusted key file for `transcript verify --keys`",
		Args:  cobra.NoArgs,
		RunE: rf.with(func(cmd *cobra.Command, s *sqlite.Store) error {
			rep, err := s.AuditHearing(cmd.Context(), "")
			if err != nil {
				return err
			}
			if !rep.OK() {
				return &exitError{code: 3, err: fmt.Errorf("the users chain does not audit, its keys are not vouched for: %s", rep.Problems[0].String())}
			}
			keys, err := s.KeyHistory(cmd.Context())
			if err != nil {
				return err
			}
			names := make([]string, 0, len(keys))
			for n := range keys {
				names = append(names, n)
			}
			sort.Strings(names)
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "# courtscribe trusted signing keys, users chain head %s\n", transcript.ChainHead{Seq: int64(rep.Events), Hash: rep.Head})
			for _, n := range names {
				for _, k := range keys[n] {
					until := "current"
					if !k.Until.IsZero() {
						until = "until " + transcript.EventTime(k.Until)
					}
					fmt.Fprintf(out, "# %s %s from %s, %s\n%s %s\n", n, transcript.KeyFingerprint(k.PublicKey), transcript.EventTime(k.From), until, n, transcript.EncodePublicKey(k.PublicKey))
				}
			}
			return nil
		}),
	}
	rf.add(c.Flags())
	return c
}
