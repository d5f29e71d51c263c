package superpeer

import (
	"testing"

	"peerlab/engine"
	"peerlab/overlay"
)

func TestKinds(t *testing.T) {
	if len(Kinds) != int(NumOps) {
		t.Fatalf("%d kinds for %d operations", len(Kinds), NumOps)
	}
	seen := map[string]bool{}
	for o := range NumOps {
		k := Kinds[o]
		if k.Name == "" || k.Name == "op?" || seen[k.Name] {
			t.Errorf("operation %d has name %q", o, k.Name)
		}
		seen[k.Name] = true
		want := overlay.Maintenance
		if o.IsSearch() || o.IsSession() {
			want = overlay.Lookup
		}
		if k.Class != want {
			t.Errorf("%s is in class %v, want %v", k.Name, k.Class, want)
		}
	}
	for _, o := range []Op{OpQuery, OpNodes, OpAsk, OpFlood, OpHit, OpPunch, OpRelayOK} {
		if Kinds[o].Class != overlay.Lookup {
			t.Errorf("%v should serve the workload", o)
		}
	}
	for _, o := range []Op{OpProbe, OpAttach, OpKeepAlive, OpSPList, OpPromote} {
		if Kinds[o].Class != overlay.Maintenance {
			t.Errorf("%v should be maintenance", o)
		}
	}
}

func TestMessageSizes(t *testing.T) {
	udp, tcp := overlay.HeaderBytes, overlay.HeaderBytes+TCPExtraBytes
	for _, tc := range []struct {
		name string
		m    Message
		want int
	}{
		{"probe", Message{Op: OpProbe}, udp + 2},
		{"keep-alive", Message{Op: OpKeepAlive, TCP: true}, tcp + 2},
		{"attach with 3 objects", Message{Op: OpAttach, TCP: true, Objects: []uint64{1, 2, 3}}, tcp + 9 + 160 + 2 + 3*64},
		{"attach-ok with 50 superpeers", Message{Op: OpAttachOK, TCP: true, List: make([]engine.NodeID, 50)}, tcp + 2 + 50*6},
		{"skype login", Message{Op: OpLogin, TCP: true}, tcp + 160 + 2},
		{"nodes, 4", Message{Op: OpNodes, TCP: true, N: 4}, tcp + 8 + 2 + 4*6},
		{"ask", Message{Op: OpAsk}, udp + 8 + 8 + 2},
		{"answer", Message{Op: OpAnswer}, udp + 8 + 8 + 2*7 + 2},
		{"hit", Message{Op: OpHit, TCP: true}, tcp + 8 + 8 + 2*7 + 2 + 6},
		{"flood", Message{Op: OpFlood, TCP: true}, tcp + 8 + 8 + 2 + 6},
		{"punch", Message{Op: OpPunch}, udp + 8},
		{"relay request", Message{Op: OpRelayReq, TCP: true}, tcp + 8 + 14},
	} {
		if got := tc.m.Size(); got != tc.want {
			t.Errorf("%s: %d bytes, want %d", tc.name, got, tc.want)
		}
	}
}
