package hub

import (
	"parapet/protocol"
	"parapet/server/access"
)

// NotifyUser sends change to every link that acts for user, as the
// device's enrolled user or through a session token, and returns how
// many links it reached. The agents relay it to their extensions.
func (h *Hub) NotifyUser(user string, change *protocol.AccessChanged) int {
	data, err := protocol.Encode("", change)
	if err != nil {
		h.log.Error("encoding access change", "user", user, "state", change.State, "error", err)
		return 0
	}
	email := access.NormalizeUser(user)
	h.mu.Lock()
	links := make([]*link, 0, len(h.links))
	for l := range h.links {
		links = append(links, l)
	}
	h.mu.Unlock()
	sent := 0
	for _, l := range links {
		if h.linkActsFor(l, email) {
			l.send(data)
			sent++
		}
	}
	h.log.Info("pushed access change", "user", email, "state", change.State, "links", sent)
	return sent
}
