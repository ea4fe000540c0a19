package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"parapet/server/api"
	"parapet/server/identity"
	"parapet/server/identity/sqlstore"
	"parapet/server/identity/totp"
	"parapet/server/store"
)

const userUsage = "Usage: parapet-server user create --data-dir DIR --email EMAIL [--name NAME] [--group G]... [--guest] [--enroll-totp]"

// runUser runs `parapet-server user create`, which adds a local user who
// signs in to protected apps with a password. The password comes from
// PARAPET_ADMIN_PASSWORD or the first line of standard input, as for
// `admin create`.
func runUser(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, userUsage)
		return 2
	}
	fs := flag.NewFlagSet("parapet-server user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "", "folder of parapet.db, as given to the server (required)")
	email := fs.String("email", "", "email address the user signs in with (required)")
	name := fs.String("name", "", "display name")
	guest := fs.Bool("guest", false, "mark the user as a guest regardless of domain and groups")
	enrollTOTP := fs.Bool("enroll-totp", false, "also create a confirmed TOTP secret and print it once, with its otpauth URI")
	var groups stringList
	fs.Var(&groups, "group", "group the user is in (repeatable)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, userUsage+"\n\nCreates a user who signs in to protected apps. The password is read from %s or,\n"+
			"when it is not set, from the first line of standard input; it is never a flag.\n\nFlags:\n", envAdminPassword)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dataDir == "" || *email == "" {
		fmt.Fprintln(stderr, "parapet-server user create: --data-dir and --email are required")
		return 2
	}
	if err := api.CheckEmail(identity.NormalizeEmail(*email)); err != nil {
		fmt.Fprintln(stderr, "parapet-server user create: --email:", err)
		return 2
	}
	password, err := readPassword(stdin, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "parapet-server user create:", err)
		return 2
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		fmt.Fprintln(stderr, "parapet-server user create: creating data folder:", err)
		return 1
	}
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(*dataDir, "parapet.db"))
	if err != nil {
		fmt.Fprintln(stderr, "parapet-server user create:", err)
		return 1
	}
	defer st.Close()
	ids := sqlstore.New(st.DB())
	users := &identity.Directory{Store: ids}
	u, err := api.CreateUser(ctx, users, st, "cli:parapet-server", "admin",
		identity.NewLocalUser{Email: *email, Name: *name, Password: password, Groups: groups, Guest: *guest})
	if err != nil {
		fmt.Fprintln(stderr, "parapet-server user create:", err)
		return 1
	}
	fmt.Fprintf(stdout, "created user %s (%s)\n", u.Email, u.ID)
	if *enrollTOTP {
		key, err := api.EnrollTOTP(ctx, &totp.Authenticator{Store: ids, Issuer: "Parapet"}, ids, u)
		if err != nil {
			fmt.Fprintln(stderr, "parapet-server user create: enrolling TOTP:", err)
			return 1
		}
		fmt.Fprintf(stdout, "totp_secret %s\notpauth_uri %s\n", key.Secret, key.URI)
	}
	return 0
}
