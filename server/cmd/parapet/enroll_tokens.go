package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"
)

type enrollToken struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Managed   bool       `json:"managed"`
	User      string     `json:"user"`
	MaxUses   int        `json:"max_uses"`
	Uses      int        `json:"uses"`
	UsesLeft  int        `json:"uses_left"`
	State     string     `json:"state"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	// Token is set only in the response of create.
	Token string `json:"token"`
}

func (c *cli) enrollTokensCreate(args []string) error {
	fs := c.flags("enroll-tokens create", "--name NAME [flags]", "Creates a device enrollment token and prints it once; the server keeps only its\n"+
		"SHA-256. Put the token in the agent's enroll_token_file or PARAPET_ENROLL_TOKEN.")
	name := fs.String("name", "", "name that identifies the token in lists and the audit log (required)")
	maxUses := fs.Int("max-uses", 1, "how many devices may enroll with the token")
	expiresIn := fs.Duration("expires-in", 0, "lifetime of the token, such as 24h; 0 means it does not expire")
	managed := fs.Bool("managed", false, "mark the devices enrolled with the token as managed")
	user := fs.String("user", "", "user of every device enrolled with the token; empty takes the user the agent sends")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("%w: --name is required", errUsage)
	}
	if *expiresIn < 0 {
		return fmt.Errorf("%w: --expires-in must not be negative", errUsage)
	}
	req := map[string]any{"name": *name, "max_uses": *maxUses, "managed": *managed, "user": *user}
	if *expiresIn > 0 {
		req["expires_at"] = time.Now().Add(*expiresIn).UTC()
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encoding request: %w", err)
	}
	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	var out enrollToken
	if err := cl.send(http.MethodPost, "/api/v1/enrollment-tokens", "application/json", body, &out); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, out.Token)
	fmt.Fprintf(c.stderr, "created enrollment token %s (%s): %d uses, managed %v, expires %s; it is shown only now\n",
		out.ID, out.Name, out.MaxUses, out.Managed, timeOrNever(out.ExpiresAt))
	return nil
}

func timeOrNever(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Format(time.RFC3339)
}

func (c *cli) enrollTokensList(args []string) error {
	fs := c.flags("enroll-tokens list", "", "Lists enrollment tokens, without their secrets, with uses left and state.")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	var out struct {
		Tokens []enrollToken `json:"enrollment_tokens"`
	}
	if err := cl.getJSON("/api/v1/enrollment-tokens", &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tMANAGED\tUSER\tUSES\tLEFT\tEXPIRES\tSTATE")
	for _, t := range out.Tokens {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%d/%d\t%d\t%s\t%s\n", t.ID, t.Name, t.Managed, dash(t.User),
			t.Uses, t.MaxUses, t.UsesLeft, timeOrNever(t.ExpiresAt), t.State)
	}
	return tw.Flush()
}

func (c *cli) enrollTokensRevoke(args []string) error {
	fs := c.flags("enroll-tokens revoke", "ID", "Revokes an enrollment token. Devices enrolled with it stay enrolled;\n"+
		"revoke them with \"devices revoke\".")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	var out enrollToken
	if err := cl.send(http.MethodPost, "/api/v1/enrollment-tokens/"+url.PathEscape(fs.Arg(0))+"/revoke", "", nil, &out); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "revoked enrollment token %s (%s) after %d of %d uses\n", out.ID, out.Name, out.Uses, out.MaxUses)
	return nil
}
