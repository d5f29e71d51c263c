package chord

import (
	"time"

	"peerlab/engine"
)

// Unreachable peers.
//
// Chord knows nothing of NATs, but it must live with peers that some nodes
// cannot reach: a host behind a NAT can send, and hear the answers, but
// nobody it has not sent to lately can reach it. Such a host still takes its
// place on the ring: it notifies its successor, which can reach it (the host
// keeps talking to it) and takes it as predecessor; its predecessor may reach
// it too, since the host contacted it while joining and answers each of its
// get_preds, which keeps its NAT's mapping open. Everybody else times out on
// it. Forgetting a silent peer, as a crash needs, is then not enough: others
// keep naming it. The node before it used to adopt it as successor from its
// successor's get_pred answer, time out, fall back on the next successor, hear
// the host named again and adopt it at once, a loop of one get_pred per
// rpc_timeout; and an iterative lookup, which must reach the key's
// predecessor, failed for every key after it.
//
// The rules, all driven by timeouts as in a deployment:
//
//   - A host whose request timed out is suspect for suspectPeriods stabilize
//     periods (suspects, below). A suspect is not taken from anybody else's
//     word: not as successor from a get_pred answer, a successor list or a
//     leaving node's goodbye, not as predecessor, not as next hop of a
//     lookup, not as finger. Hearing from it clears the suspicion at once:
//     the message shows that it is alive and, as NATs go, reachable for now
//     (its NAT has just opened towards us). That readmits a crashed host that
//     came back (it keeps its identifier) as soon as it talks to us.
//   - An iterative lookup that cannot reach a node asks the node that named
//     it once more (lookup.go, reask): that one answers from its whole
//     successor list, or names somebody else. A node asked so takes it as a
//     report that the peer does not answer others, and drops it as a crashed
//     one: suspect, and not cleared by the peer's own messages (it may well
//     reach us), since a successor or finger that others cannot reach is of
//     no use to their lookups. A node others cannot reach thus stays beside
//     the ring, pointing into it, and the reachable nodes close the ring
//     around it.
//   - When the successor names a predecessor we cannot reach (stabilize), we
//     ask it again for the closest other node that notified it lately; if
//     nobody has notified us for a while we look up our own identifier, and
//     hint the node that answers (it should point at us: notify with Flag);
//     and while any peer is suspect we look up our own successor once per
//     fix_fingers period, which repairs successor pointers that crossed
//     during the turmoil (a→b, c→d with a < c < b < d), a state that
//     stabilize never looks across.
//   - A join whose answer is a suspect joins at the node after it instead,
//     and hints the node that answered.
//
// None of this costs anything while nothing times out: with every host
// reachable and no churn the runs are the same, message for message.

// suspectSlots is the size of the suspect list. When it is full a new suspect
// takes the place of the entry that expires first. A node needs protection
// above all against the few hosts around it on the ring, which it is told
// about at every stabilize; a lookup's candidates are many but each is
// offered to it only now and then.
const suspectSlots = 16

// suspectPeriods is how long a suspicion lasts, in stabilize periods.
const suspectPeriods = 3

// suspects is a host's short list of hosts that recently timed out or were
// reported unreachable. Suspicion is kept per host, not per virtual node:
// whether one can be reached is a property of the machine. It is a fixed
// array: no allocation, and no map whose order could reach a result.
type suspects struct {
	host   [suspectSlots]engine.NodeID
	until  [suspectSlots]engine.Time // an entry holds while now < until
	sticky [suspectSlots]bool        // reported by others: hearing from the host does not clear it
	last   engine.Time               // the latest until: from then on nobody is suspect
}

// add makes h suspect from now until the given time (or later, if it
// already is); a sticky entry is not cleared by clear.
func (s *suspects) add(h engine.NodeID, now, until engine.Time, sticky bool) {
	slot := 0
	for i := range s.host {
		if s.host[i] == h && now < s.until[i] {
			s.until[i] = max(s.until[i], until)
			s.sticky[i] = s.sticky[i] || sticky
			s.last = max(s.last, until)
			return
		}
		if s.until[i] < s.until[slot] {
			slot = i
		}
	}
	s.host[slot], s.until[slot], s.sticky[slot] = h, until, sticky
	s.last = max(s.last, until)
}

// has reports whether h is suspect at now.
func (s *suspects) has(h engine.NodeID, now engine.Time) bool {
	if now >= s.last {
		return false
	}
	for i := range s.host {
		if s.host[i] == h && now < s.until[i] {
			return true
		}
	}
	return false
}

// any reports whether some host is suspect at now.
func (s *suspects) any(now engine.Time) bool { return now < s.last }

// clear drops h from the list, unless it was reported (sticky).
func (s *suspects) clear(h engine.NodeID, now engine.Time) {
	if now >= s.last {
		return
	}
	for i := range s.host {
		if s.host[i] == h && !s.sticky[i] {
			s.until[i] = 0
		}
	}
}

// suspectFor is how long a host stays suspect.
func (h *Host) suspectFor() time.Duration { return suspectPeriods * h.cfg.Stabilize }

// suspect records that p's host failed to answer us. The host's own virtual
// nodes are never suspect.
func (h *Host) suspect(env Env, p Peer) {
	if p.Host != h.host {
		h.sus.add(p.Host, env.Now(), env.Now().Add(h.suspectFor()), false)
	}
}

// reported records that p's host failed to answer another node, and drops p
// from v's routing state as if it had crashed.
func (h *Host) reported(env Env, v *vnode, p Peer) {
	if p.Host != h.host {
		h.sus.add(p.Host, env.Now(), env.Now().Add(h.suspectFor()), true)
		h.forget(env, v, p)
	}
}

// suspected reports whether p's host is suspect.
func (h *Host) suspected(env Env, p Peer) bool {
	return p.Host != h.host && h.sus.has(p.Host, env.Now())
}

// appendTrusted appends the entries of ps that are not suspected to dst.
func (h *Host) appendTrusted(env Env, dst, ps []Peer) []Peer {
	for _, p := range ps {
		if !h.suspected(env, p) {
			dst = append(dst, p)
		}
	}
	return dst
}
