package policy

import "go.yaml.in/yaml/v3"

// The *Doc types are the YAML form of a policy file. Export writes them
// back, so their field order is the canonical key order.

type fileDoc struct {
	Apps            []appDoc     `yaml:"apps,omitempty"`
	IPRanges        []ipRangeDoc `yaml:"ip_ranges,omitempty"`
	Groups          []groupDoc   `yaml:"groups,omitempty"`
	Labels          []labelDoc   `yaml:"labels,omitempty"`
	PostureProfiles []profileDoc `yaml:"posture_profiles,omitempty"`
	Policies        []policyDoc  `yaml:"policies,omitempty"`
}

type appDoc struct {
	ID        string   `yaml:"id"`
	Name      string   `yaml:"name,omitempty"`
	Hosts     []string `yaml:"hosts"`
	Tags      []string `yaml:"tags,omitempty,flow"`
	FailMode  string   `yaml:"fail_mode,omitempty"`
	Sensitive bool     `yaml:"sensitive,omitempty"`
}

type ipRangeDoc struct {
	ID    string   `yaml:"id"`
	Name  string   `yaml:"name,omitempty"`
	CIDRs []string `yaml:"cidrs"`
	Tags  []string `yaml:"tags,omitempty,flow"`
}

type groupDoc struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name,omitempty"`
	Members []string `yaml:"members,omitempty"`
	Domains []string `yaml:"domains,omitempty"`
}

type labelDoc struct {
	ID         string `yaml:"id"`
	Name       string `yaml:"name,omitempty"`
	Tenant     string `yaml:"tenant,omitempty"`
	Protection string `yaml:"protection,omitempty"`
}

type profileDoc struct {
	ID           string          `yaml:"id"`
	Name         string          `yaml:"name,omitempty"`
	Requirements requirementsDoc `yaml:"requirements"`
}

type requirementsDoc struct {
	OS              []string `yaml:"os,omitempty,flow"`
	MinOSVersion    string   `yaml:"min_os_version,omitempty"`
	DiskEncryption  bool     `yaml:"disk_encryption,omitempty"`
	Firewall        bool     `yaml:"firewall,omitempty"`
	ScreenLock      bool     `yaml:"screen_lock,omitempty"`
	MinAgentVersion string   `yaml:"min_agent_version,omitempty"`
}

type policyDoc struct {
	ID         string     `yaml:"id"`
	Name       string     `yaml:"name,omitempty"`
	Priority   int        `yaml:"priority,omitempty"`
	State      string     `yaml:"state,omitempty"`
	Severity   string     `yaml:"severity,omitempty"`
	Apps       []string   `yaml:"apps,omitempty,flow"`
	Activities []string   `yaml:"activities,omitempty,flow"`
	Files      []string   `yaml:"files,omitempty,flow"`
	Device     *deviceDoc `yaml:"device,omitempty"`
	When       yaml.Node  `yaml:"when,omitempty"`
	Decision   string     `yaml:"decision"`
	Message    string     `yaml:"message,omitempty"`
	Fix        string     `yaml:"fix,omitempty"`
	Link       string     `yaml:"link,omitempty"`
	Label      string     `yaml:"label,omitempty"`
	Encrypt    string     `yaml:"encrypt,omitempty"`
	MaxAge     string     `yaml:"max_age,omitempty"`
}

type deviceDoc struct {
	Managed *bool `yaml:"managed,omitempty"`
}
