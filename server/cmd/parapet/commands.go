package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

func (c *cli) login(args []string) error {
	fs := c.flags("login", "--email EMAIL", "Logs in with an account's email and password and stores the session token,\n"+
		"with mode 0600, in the user's config folder (PARAPET_CONFIG_DIR overrides it).\n"+
		"The password is read from "+envPassword+" or, when it is not set, from the first line\n"+
		"of standard input.\n"+
		"NOTE: a password typed at a terminal is echoed; pipe it or use "+envPassword+".")
	email := fs.String("email", "", "email address of the account (required)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%w: --email is required", errUsage)
	}

	password := c.getenv(envPassword)
	if password == "" {
		fmt.Fprint(c.stderr, "Password: ")
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, os.ErrClosed) && line == "" {
			return fmt.Errorf("reading password from standard input: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if password == "" {
		return fmt.Errorf("missing password: set %s or write it to standard input", envPassword)
	}

	cl, err := c.newClient(false)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"email": *email, "password": password})
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
		Email     string    `json:"email"`
		Role      string    `json:"role"`
	}
	if err := cl.send(http.MethodPost, "/api/v1/login", "application/json", body, &out); err != nil {
		return err
	}
	path, err := c.saveCredentials(credentials{Server: cl.base, CAFile: c.globals.caFile, Token: out.Token,
		Email: out.Email, ExpiresAt: out.ExpiresAt})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "logged in to %s as %s (%s) until %s; token stored in %s\n",
		cl.base, out.Email, out.Role, out.ExpiresAt.Local().Format(time.RFC3339), path)
	return nil
}

func (c *cli) logout(args []string) error {
	fs := c.flags("logout", "", "Deletes the stored session token. The token stays valid on the server until it expires.")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	path, err := c.credentialsPath()
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("deleting stored login: %w", err)
	}
	fmt.Fprintln(c.stdout, "logged out")
	return nil
}

type activity struct {
	ID        string    `json:"id"`
	Time      time.Time `json:"time"`
	User      string    `json:"user"`
	DeviceID  string    `json:"device_id"`
	AppID     string    `json:"app_id"`
	Activity  string    `json:"activity"`
	FileName  string    `json:"file_name"`
	Decision  string    `json:"decision"`
	PolicyIDs []string  `json:"policy_ids"`
}

func (c *cli) activitiesList(args []string) error {
	fs := c.flags("activities list", "[flags]", "Lists the activity log, newest first. Filters of the same kind may be\n"+
		"repeated or comma-separated and match any of their values.")
	q := url.Values{}
	for _, name := range []string{"user", "device", "app", "activity", "decision", "policy"} {
		fs.Func(name, "only activities whose "+name+" is this value (repeatable)", func(v string) error {
			q.Add(name, v)
			return nil
		})
	}
	since := fs.String("since", "", "only activities at or after this RFC 3339 time")
	until := fs.String("until", "", "only activities before this RFC 3339 time")
	limit := fs.Int("limit", 100, "activities per page, 1 to 1000")
	cursor := fs.String("cursor", "", "next_cursor of a previous page")
	all := fs.Bool("all", false, "follow next_cursor until the last page")
	csvOut := fs.Bool("csv", false, "print CSV with a header row, as the server exports it")
	jsonOut := fs.Bool("json", false, "print the server's JSON response")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	for name, v := range map[string]string{"since": *since, "until": *until} {
		if v != "" {
			q.Set(name, v)
		}
	}
	q.Set("limit", strconv.Itoa(*limit))
	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	if *csvOut {
		return c.activitiesCSV(cl, q, *cursor, *all)
	}

	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	if !*jsonOut {
		fmt.Fprintln(tw, "TIME\tUSER\tDEVICE\tAPP\tACTIVITY\tFILE\tDECISION\tPOLICIES")
	}
	next := *cursor
	for {
		if next != "" {
			q.Set("cursor", next)
		}
		var page struct {
			Activities []activity `json:"activities"`
			NextCursor string     `json:"next_cursor"`
		}
		data, _, err := cl.do(http.MethodGet, "/api/v1/activities?"+q.Encode(), "", nil, "application/json")
		if err != nil {
			return err
		}
		if *jsonOut {
			c.stdout.Write(data)
		}
		if err := decodeResponse(data, &page); err != nil {
			return err
		}
		if !*jsonOut {
			for _, a := range page.Activities {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Time.Format(time.RFC3339), a.User, a.DeviceID,
					dash(a.AppID), a.Activity, dash(a.FileName), a.Decision, dash(strings.Join(a.PolicyIDs, ",")))
			}
		}
		next = page.NextCursor
		if !*all || next == "" {
			break
		}
	}
	if !*jsonOut && next != "" {
		fmt.Fprintf(tw, "\nmore: --cursor %s\n", next)
	}
	return tw.Flush()
}

// activitiesCSV prints the server's CSV export, with one header row even
// when --all fetches several pages.
func (c *cli) activitiesCSV(cl *client, q url.Values, cursor string, all bool) error {
	q.Set("format", "csv")
	first := true
	for {
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		data, header, err := cl.do(http.MethodGet, "/api/v1/activities?"+q.Encode(), "", nil, "text/csv")
		if err != nil {
			return err
		}
		if !first {
			if i := strings.IndexByte(string(data), '\n'); i >= 0 {
				data = data[i+1:]
			}
		}
		c.stdout.Write(data)
		first = false
		cursor = header.Get("Parapet-Next-Cursor")
		if !all || cursor == "" {
			if cursor != "" {
				fmt.Fprintf(c.stderr, "more: --cursor %s\n", cursor)
			}
			return nil
		}
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type device struct {
	ID         string          `json:"id"`
	User       string          `json:"user"`
	Hostname   string          `json:"hostname"`
	Managed    bool            `json:"managed"`
	EnrolledAt time.Time       `json:"enrolled_at"`
	LastSeenAt *time.Time      `json:"last_seen_at"`
	LastIP     string          `json:"last_ip"`
	Posture    json.RawMessage `json:"last_posture"`
	RevokedAt  *time.Time      `json:"revoked_at"`
	Connected  bool            `json:"connected"`
}

func (c *cli) devicesList(args []string) error {
	fs := c.flags("devices list", "", "Lists enrolled devices with their last contact and state.")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	var out struct {
		Devices []device `json:"devices"`
	}
	if err := cl.getJSON("/api/v1/devices", &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tHOSTNAME\tMANAGED\tLAST SEEN\tLAST IP\tSTATE")
	for _, d := range out.Devices {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%s\t%s\n", d.ID, d.User, d.Hostname, d.Managed,
			timeOrDash(d.LastSeenAt), dash(d.LastIP), deviceState(d))
	}
	return tw.Flush()
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func deviceState(d device) string {
	switch {
	case d.RevokedAt != nil:
		return "revoked"
	case d.Connected:
		return "connected"
	}
	return "offline"
}

func (c *cli) devicesShow(args []string) error {
	fs := c.flags("devices show", "ID", "Prints one device, with its last posture report, as JSON.")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	return c.printJSON(http.MethodGet, "/api/v1/devices/"+url.PathEscape(fs.Arg(0)))
}

func (c *cli) devicesRevoke(args []string) error {
	fs := c.flags("devices revoke", "ID", "Revokes a device's credential and closes its open link. The agent must enroll again.")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	var d device
	if err := cl.send(http.MethodPost, "/api/v1/devices/"+url.PathEscape(fs.Arg(0))+"/revoke", "", nil, &d); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "revoked device %s (%s on %s)\n", d.ID, d.User, d.Hostname)
	return nil
}

// printJSON sends a request without a body and prints the JSON response,
// indented.
func (c *cli) printJSON(method, path string) error {
	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	var out any
	if err := cl.send(method, path, "", nil, &out); err != nil {
		return err
	}
	data, _ := json.MarshalIndent(out, "", "  ")
	fmt.Fprintln(c.stdout, string(data))
	return nil
}

func (c *cli) auditList(args []string) error {
	fs := c.flags("audit list", "[flags]", "Lists the audit log of admin changes, newest first.")
	q := url.Values{}
	for _, name := range []string{"actor", "action", "target", "since", "until", "cursor"} {
		fs.Func(name, "only entries whose "+name+" is this value (since and until take RFC 3339 times)", func(v string) error {
			q.Set(name, v)
			return nil
		})
	}
	limit := fs.Int("limit", 100, "entries per page, 1 to 1000")
	jsonOut := fs.Bool("json", false, "print the server's JSON response")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	q.Set("limit", strconv.Itoa(*limit))

	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	data, _, err := cl.do(http.MethodGet, "/api/v1/audit?"+q.Encode(), "", nil, "application/json")
	if err != nil {
		return err
	}
	if *jsonOut {
		_, err := c.stdout.Write(data)
		return err
	}

	var out struct {
		Entries []struct {
			Time    time.Time       `json:"time"`
			Actor   string          `json:"actor"`
			Action  string          `json:"action"`
			Target  string          `json:"target"`
			Details json.RawMessage `json:"details"`
		} `json:"entries"`
		NextCursor string `json:"next_cursor"`
	}
	if err := decodeResponse(data, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACTOR\tACTION\tTARGET\tDETAILS")
	for _, e := range out.Entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Time.Format(time.RFC3339), e.Actor, e.Action, dash(e.Target), e.Details)
	}
	if out.NextCursor != "" {
		fmt.Fprintf(tw, "\nmore: --cursor %s\n", out.NextCursor)
	}
	return tw.Flush()
}
