package main

import "fmt"
import "text/tabwriter"
import "time"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/asr/ingest"

func init() { addCommand(newTokensCmd) }

func newTokensCmd() *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "Manage agent tokens (one or more per courtroom; only their SHA-256 is stored)",
	}
	cmd.PersistentFlags().StringVar(&data, "data", "var/data", "data directory of the server")

	var courtroom string
	add := &cobra.Command{
		Use:   "add",
		Short: "Create an agent token for a courtroom; the token is the last line of output (shown once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tok, rec, err := ingest.OpenTokens(data, nil).Add(courtroom)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "token %s for courtroom %s (store it now; it is not shown again)\n", rec.ID, rec.Courtroom)
			fmt.Fprintln(out, tok)
			return nil
		},
	}
	add.Flags().StringVar(&courtroom, "courtroom", "", "courtroom the token is valid for (required)")
	add.MarkFlagRequired("courtroom")

	list := &cobra.Command{
		Use:   "list",
		Short: "List agent tokens (id, courtroom, created, revoked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			recs, err := ingest.OpenTokens(data, nil).List()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCOURTROOM\tCREATED\tREVOKED")
			for _, r := range recs {
				rev := "-"
				if r.Revoked != nil {
					rev = r.Revoked.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Courtroom, r.Created.Format(time.RFC3339), rev)
			}
			return tw.Flush()
		},
	}

	revoke := &cobra.Command{
		Use:   "revoke ID...",
		Short: "Revoke tokens by id; a running server closes their connections within a second and refuses them from then on",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ts := ingest.OpenTokens(data, nil)
			for _, id := range args {
				if err := ts.Revoke(id); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked %s\n", id)
			}
			return nil
		},
	}
	cmd.AddCommand(add, list, revoke)
	return cmd
}
