package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"parapet/server/api/policyview"
)

func (c *cli) policyValidate(args []string) error {
	fs := c.flags("policy validate", "FILE|DIR", "Validates policies locally, without a server, and names the file and\n"+
		"field of the first problem.")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	set, _, err := policyview.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	apps, policies := policyview.Counts(set)
	fmt.Fprintf(c.stdout, "%s: valid, %d apps and %d policies\n", fs.Arg(0), apps, policies)
	return nil
}

func (c *cli) policyExport(args []string) error {
	fs := c.flags("policy export", "[--format yaml|json]", "Prints the server's current policies.")
	format := fs.String("format", "yaml", "output format: yaml (a policy file) or json (with revision and source)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *format != "yaml" && *format != "json" {
		return fmt.Errorf("%w: --format must be yaml or json", errUsage)
	}
	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	data, _, err := cl.do(http.MethodGet, "/api/v1/policy?format="+*format, "", nil, "")
	if err != nil {
		return err
	}
	_, err = c.stdout.Write(data)
	return err
}

type diffResponse struct {
	Revision int64           `json:"revision"`
	Changed  bool            `json:"changed"`
	Diff     policyview.Diff `json:"diff"`
}

func (c *cli) policyApply(args []string) error {
	fs := c.flags("policy apply", "FILE|DIR", "Validates policies locally, then replaces the server's whole policy set with\n"+
		"them and prints what changed. Connected agents receive the new set at once.\n"+
		"A server started with --policies rejects this; edit its file instead.")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	_, bundle, err := policyview.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	var out diffResponse
	if err := cl.send(http.MethodPut, "/api/v1/policy", "application/yaml", bundle, &out); err != nil {
		return err
	}
	if !out.Changed {
		fmt.Fprintf(c.stdout, "unchanged: the server already has these policies as revision %d\n", out.Revision)
		return nil
	}
	fmt.Fprintf(c.stdout, "applied revision %d\n", out.Revision)
	printDiff(c, out.Diff)
	return nil
}

func (c *cli) policyDiff(args []string) error {
	fs := c.flags("policy diff", "FILE|DIR", "Compares the server's current policies with local ones and lists the apps\n"+
		"and policies that applying them would add, remove or change.")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	_, local, err := policyview.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	data, header, err := cl.do(http.MethodGet, "/api/v1/policy?format=yaml", "", nil, "")
	if err != nil {
		return err
	}
	revision := header.Get("Parapet-Policy-Revision")
	diff, err := policyview.Compare(data, local)
	if err != nil {
		return fmt.Errorf("comparing policies: %w", err)
	}
	if diff.Empty() {
		fmt.Fprintf(c.stdout, "no changes from server revision %s\n", revision)
		return nil
	}
	fmt.Fprintf(c.stdout, "changes from server revision %s:\n", revision)
	printDiff(c, diff)
	return nil
}

// printDiff prints one line per added (+), removed (-) or changed (~) id,
// such as "  + policies block-docx".
func printDiff(c *cli, d policyview.Diff) {
	if d == nil {
		fmt.Fprintln(c.stdout, "  (the server could not compute a diff)")
		return
	}
	kinds := make([]string, 0, len(d))
	for kind := range d {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		for _, id := range d[kind].Added {
			fmt.Fprintf(c.stdout, "  + %s %s\n", kind, id)
		}
		for _, id := range d[kind].Removed {
			fmt.Fprintf(c.stdout, "  - %s %s\n", kind, id)
		}
		for _, id := range d[kind].Changed {
			fmt.Fprintf(c.stdout, "  ~ %s %s\n", kind, id)
		}
	}
}

func (c *cli) policyTest(args []string) error {
	fs := c.flags("policy test", "CASES [--policies FILE|DIR]", "Runs the policy test cases of a case file (cases: [...], named *_test.yaml)\n"+
		"locally and reports each case whose outcome differs from the expected one.")
	policies := fs.String("policies", "", "policy file or folder to test (default: the folder that contains CASES)")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	target := *policies
	if target == "" {
		target = filepath.Dir(fs.Arg(0))
	}
	report, err := policyview.RunTests(fs.Arg(0), target)
	if err != nil {
		return err
	}
	fmt.Fprint(c.stdout, report.Text)
	if report.Failed > 0 {
		return fmt.Errorf("%d of %d cases failed", report.Failed, report.Total)
	}
	fmt.Fprintf(c.stdout, "%d cases passed\n", report.Total)
	return nil
}

func (c *cli) policyPreview(args []string) error {
	fs := c.flags("policy preview", "FILE|DIR", "Replays the newest logged activities against the server's current policies\n"+
		"and against draft ones, and lists each activity whose decision or matching\n"+
		"policies would change. Nothing is applied.")
	limit := fs.Int("limit", 1000, "number of newest activities to replay, 1 to 10000")
	jsonOut := fs.Bool("json", false, "print the server's JSON response")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	_, bundle, err := policyview.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	cl, err := c.newClient(true)
	if err != nil {
		return err
	}
	data, _, err := cl.do(http.MethodPost, "/api/v1/policy/preview?limit="+strconv.Itoa(*limit), "application/yaml", bundle, "application/json")
	if err != nil {
		return err
	}
	if *jsonOut {
		_, err := c.stdout.Write(data)
		return err
	}

	var out struct {
		Evaluated int `json:"evaluated"`
		Changes   []struct {
			ActivityID string `json:"activity_id"`
			User       string `json:"user"`
			Activity   string `json:"activity"`
			AppHost    string `json:"app_host"`
			FileName   string `json:"file_name"`
			Current    struct {
				Decision  string   `json:"decision"`
				PolicyIDs []string `json:"policy_ids"`
			} `json:"current"`
			Draft struct {
				Decision  string   `json:"decision"`
				PolicyIDs []string `json:"policy_ids"`
			} `json:"draft"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return errors.New("decoding server response: " + err.Error())
	}

	fmt.Fprintf(c.stdout, "%d of %d activities would change\n", len(out.Changes), out.Evaluated)
	if len(out.Changes) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTIVITY\tUSER\tACTION\tAPP HOST\tFILE\tCURRENT\tDRAFT")
	for _, ch := range out.Changes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s [%s]\t%s [%s]\n", ch.ActivityID, ch.User, ch.Activity, ch.AppHost,
			dash(ch.FileName), ch.Current.Decision, strings.Join(ch.Current.PolicyIDs, ","),
			ch.Draft.Decision, strings.Join(ch.Draft.PolicyIDs, ","))
	}
	return tw.Flush()
}
