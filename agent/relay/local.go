package relay

import "parapet/protocol"

// LocalDecider decides a request without the server, before the fail
// mode applies. agent/daemon implements it with the cached policy bundle
// and the device's revocation. ok false leaves the request to the fail
// mode. The relay sets the verdict's RequestID and EventID.
type LocalDecider interface {
	DecideLocally(req *protocol.ActionRequest, cause string) (v *protocol.Verdict, ok bool)
}
