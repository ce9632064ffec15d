package main

import "encoding/json"
import "fmt"
import "text/tabwriter"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/capture/device"

func init() { addCommand(newDevicesCmd) }

func newDevicesCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "devices",
		Short: "List audio input devices (portaudio): index, name, host API, input channels, default rate",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			devs, err := device.List()
			if err != nil {
				return err
			}
			// What portaudio's host libraries printed while enumerating (ALSA, JACK) is
			// hidden; one line says what it meant.
			if n := device.LastNoise().String(); n != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "note: "+n)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if devs == nil {
					devs = []device.Info{}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(devs)
			}
			if len(devs) == 0 {
				fmt.Fprintln(out, "no input devices")
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "INDEX\tNAME\tHOST API\tINPUTS\tDEFAULT RATE\t")
			for _, d := range devs {
				def := ""
				if d.Default {
					def = "(default)"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%.0f\t%s\n", d.Index, d.Name, d.HostAPI, d.MaxInputChannels, d.DefaultSampleRate, def)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
