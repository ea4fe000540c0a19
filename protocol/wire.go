package protocol

// Paths and defaults shared by the programs.
const (
	// DefaultBridgePort is the loopback port of the agent's extension bridge.
	DefaultBridgePort = 47801
	// BridgePath is the websocket path of the extension bridge.
	BridgePath = "/bridge"
	// EnrollPath is the server endpoint a device enrolls at, with POST.
	EnrollPath = "/agent/v1/enroll"
	// AgentPath is the server's websocket endpoint for enrolled agents.
	AgentPath = "/agent/v1/connect"
)

// EnrollRequest is the JSON body of a POST to EnrollPath.
type EnrollRequest struct {
	// Token is the enrollment token from the device's managed config.
	Token string `json:"token"`
	// User is the person the device belongs to.
	User string `json:"user"`
	// Hostname and HostID identify the machine.
	Hostname string `json:"hostname"`
	HostID   string `json:"host_id"`
}

// EnrollResponse is returned by a successful enrollment. The agent sends
// Credential as a bearer token on AgentPath; the server keeps only its hash.
type EnrollResponse struct {
	DeviceID   string `json:"device_id"`
	Credential string `json:"credential"`
}
