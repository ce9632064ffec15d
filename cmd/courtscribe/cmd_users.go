package main

import "bufio"
import "context"
import "errors"
import "fmt"
import "io"
import "os"
import "os/user"
import "strings"
import "text/tabwriter"
import "time"

import "github.com/spf13/cobra"
import "golang.org/x/term"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

func init() { addCommand(newUsersCmd) }

// cliActor names the person at the terminal in the history.
func cliActor() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return "cli:" + name
}

// passwordReader reads passwords from a terminal (without echo) or, when stdin is not a
// terminal or --password-stdin is set, one per line from stdin.
type passwordReader struct {
	in       io.Reader
	fromLine bool
	lines    *bufio.Reader
	prompt   io.Writer
}

func newPasswordReader(cmd *cobra.Command, stdin bool) *passwordReader {
	in := cmd.InOrStdin()
	f, isFile := in.(*os.File)
	fromLine := stdin || !isFile || !term.IsTerminal(int(f.Fd()))
	return &passwordReader{in: in, fromLine: fromLine, lines: bufio.NewReader(in), prompt: cmd.ErrOrStderr()}
}

func (p *passwordReader) read(prompt string, confirm bool) (string, error) {
	if p.fromLine {
		l, err := p.lines.ReadString('\n')
		if err != nil && (!errors.Is(err, io.EOF) || l == "") {
			return "", fmt.Errorf("%s: %w", strings.TrimSuffix(prompt, ": "), errNoPassword)
		}
		return strings.TrimRight(l, "\r\n"), nil
	}
	fd := int(p.in.(*os.File).Fd())
	fmt.Fprint(p.prompt, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(p.prompt)
	if err != nil {
		return "", err
	}
	if confirm {
		fmt.Fprint(p.prompt, "again: ")
		b2, err := term.ReadPassword(fd)
		fmt.Fprintln(p.prompt)
		if err != nil {
			return "", err
		}
		if string(b2) != string(b) {
			return "", fmt.Errorf("the passwords differ")
		}
	}
	return string(b), nil
}

func newUsersCmd() *cobra.Command {
	us := &recordFlags{create: true}
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Manage users and roles (admin, technician, clerk, judge, viewer); the first admin is made here",
	}
	us.add(cmd.PersistentFlags())
	cmd.AddCommand(newUsersAddCmd(us), newUsersListCmd(us), newUsersPasswdCmd(us), newUsersSetDisabledCmd(us, "disable", true),
		newUsersSetDisabledCmd(us, "enable", false), newUsersPubkeyCmd(us), newUsersSetDisplayNameCmd(us))
	return cmd
}

func newUsersAddCmd(us *recordFlags) *cobra.Command {
	var name, role, display string
	var pwStdin bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a user; asks for the password (or reads it from stdin); judges get an Ed25519 signing key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := newPasswordReader(cmd, pwStdin).read("password for "+name+": ", true)
			if err != nil {
				return err
			}
			s, err := us.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			u, err := s.CreateUser(cmd.Context(), cliActor(), name, transcript.Role(role), pw)
			if err != nil {
				return err
			}
			if display != "" {
				if err := s.SetDisplayName(cmd.Context(), cliActor(), name, display); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s added with role %s\n", u.Name, u.Role)
			if len(u.PublicKey) > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "signing public key: %s\n", transcript.EncodePublicKey(u.PublicKey))
			}
			return nil
		},
	}
	add.Flags().StringVar(&name, "name", "", "user name (letters, digits, '.', '_', '-')")
	add.Flags().StringVar(&role, "role", "", "admin, technician, clerk, judge or viewer")
	add.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of stdin")
	add.Flags().StringVar(&display, "display-name", "", "the name printed in records and headers (张三, Hon. Jane Smith); never the login")
	add.MarkFlagRequired("name")
	add.MarkFlagRequired("role")
	return add
}

func newUsersListCmd(us *recordFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: us.with(func(cmd *cobra.Command, s *sqlite.Store) error {
			users, err := s.ListUsers(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tDISPLAY NAME\tROLE\tSTATUS\tCREATED\tSIGNING KEY")
			for _, u := range users {
				st, key := "active", "-"
				if u.Disabled {
					st = "disabled"
				}
				if len(u.PublicKey) > 0 {
					key = transcript.EncodePublicKey(u.PublicKey)
				}
				dn := u.DisplayName
				if dn == "" {
					dn = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, dn, u.Role, st, u.CreatedAt.Format(time.RFC3339), key)
			}
			return tw.Flush()
		}),
	}
}

func newUsersPasswdCmd(us *recordFlags) *cobra.Command {
	var pwName string
	var pwStdin2 bool
	passwd := &cobra.Command{
		Use:   "passwd",
		Short: "Set a user's password (a judge's old password is needed to re-encrypt the signing key)",
		Long:  "From stdin: for judges the old password on the first line and the new one on the second; for others the new one.",
		Args:  cobra.NoArgs,
		RunE: us.with(func(cmd *cobra.Command, s *sqlite.Store) error {
			u, err := s.GetUser(cmd.Context(), pwName)
			if err != nil {
				return err
			}
			pr := newPasswordReader(cmd, pwStdin2)
			old := ""
			if len(u.PublicKey) > 0 {
				if old, err = pr.read("current password of "+pwName+": ", false); err != nil {
					return err
				}
			}
			pw, err := pr.read("new password for "+pwName+": ", true)
			if err != nil {
				return err
			}
			if err := s.SetPassword(cmd.Context(), cliActor(), pwName, old, pw); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "password of %s changed\n", pwName)
			return nil
		}),
	}
	passwd.Flags().StringVar(&pwName, "name", "", "user name")
	passwd.Flags().BoolVar(&pwStdin2, "password-stdin", false, "read passwords from stdin, one per line")
	passwd.MarkFlagRequired("name")
	return passwd
}

// newUsersSetDisabledCmd is users disable or users enable.
func newUsersSetDisabledCmd(us *recordFlags, use string, disabled bool) *cobra.Command {
	var n string
	return us.changeCmd(use, use+" a user", &n, func(ctx context.Context, s *sqlite.Store) (string, error) {
		if err := s.SetDisabled(ctx, cliActor(), n, disabled); err != nil {
			return "", err
		}
		return fmt.Sprintf("user %s %sd", n, use), nil
	})
}

// changeCmd is a users subcommand that changes the user --name (into name) and prints what
// change says it did.
func (us *recordFlags) changeCmd(use, short string, name *string, change func(ctx context.Context, s *sqlite.Store) (string, error)) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: us.with(func(cmd *cobra.Command, s *sqlite.Store) error {
			msg, err := change(cmd.Context(), s)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg)
			return nil
		}),
	}
	c.Flags().StringVar(name, "name", "", "user name")
	c.MarkFlagRequired("name")
	return c
}

func newUsersPubkeyCmd(us *recordFlags) *cobra.Command {
	var pkName string
	pubkey := &cobra.Command{
		Use:   "pubkey",
		Short: "Print a judge's public signing key (base64), for `transcript verify --pubkey`",
		Args:  cobra.NoArgs,
		RunE: us.with(func(cmd *cobra.Command, s *sqlite.Store) error {
			u, err := s.GetUser(cmd.Context(), pkName)
			if err != nil {
				return err
			}
			if len(u.PublicKey) == 0 {
				return fmt.Errorf("user %s has no signing key (only judges do)", pkName)
			}
			fmt.Fprintln(cmd.OutOrStdout(), transcript.EncodePublicKey(u.PublicKey))
			return nil
		}),
	}
	pubkey.Flags().StringVar(&pkName, "name", "", "user name of the judge")
	pubkey.MarkFlagRequired("name")
	return pubkey
}

func newUsersSetDisplayNameCmd(us *recordFlags) *cobra.Command {
	var name, display string
	c := us.changeCmd("set-display-name", "Set the name a user is printed as in records, exports and headers (an admin's change, chained)", &name,
		func(ctx context.Context, s *sqlite.Store) (string, error) {
			if err := s.SetDisplayName(ctx, cliActor(), name, display); err != nil {
				return "", err
			}
			return fmt.Sprintf("user %s is printed as %q", name, display), nil
		})
	c.Flags().StringVar(&display, "display-name", "", "the printed name")
	c.MarkFlagRequired("display-name")
	return c
}
