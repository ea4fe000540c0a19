package anomaly

// Sweep drops expired state in every shard and forgets users with none
// left. Observe already sweeps the shard it touches once a minute, so
// calling Sweep is needed only to free memory when events stop arriving.
func (d *Detector) Sweep() {
	now := d.now().UnixNano()
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		d.sweepShard(s, now)
		s.mu.Unlock()
	}
}

// sweepShard expires windows, remembered keys and blocks at now, releases
// empty slices, and deletes users left without state. The caller holds
// s.mu.
func (d *Detector) sweepShard(s *shard, now int64) {
	s.lastSweep = now
	for user, u := range s.users {
		d.expireEvents(u, now)
		d.expireKnown(u, now)
		if len(u.events) == 0 {
			u.events = nil
		}
		if len(u.known) == 0 {
			u.known = nil
		}
		if u.blockedUntil <= now {
			u.blockedUntil = 0
		}
		if u.events == nil && u.known == nil && u.blockedUntil == 0 {
			delete(s.users, user)
		}
	}
	if s.peak > 64 && len(s.users) < s.peak/4 {
		users := make(map[string]*userState, len(s.users))
		for user, u := range s.users {
			users[user] = u
		}
		s.users = users
		s.peak = len(users)
	}
}
