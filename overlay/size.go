package overlay

// The message size model. Every message is charged
//
//	HeaderBytes + its payload,
//
// where the payload counts each field the message carries:
//
//   - an overlay identifier or key of b bits:     IDBytes(b) = ceil(b/8) bytes
//   - a node reference (identifier and address):  NodeRefBytes(b) = IDBytes(b) + AddrBytes
//   - a small integer (hop count, flags, count):  SmallIntBytes
//
// HeaderBytes covers an IPv4 header (20), a UDP header (8) and the overlay's own
// header (8: message type, flags, a 32-bit request identifier and a 16-bit
// length). The sender's address is in the IP/UDP headers already; a message
// that must also carry the sender's overlay identifier adds IDBytes(b).
const (
	HeaderBytes   = 20 + 8 + 8
	AddrBytes     = 4 + 2 // IPv4 address and UDP port
	SmallIntBytes = 2
)

// IDBytes is the size of an identifier of the given width in bits.
func IDBytes(bits int) int { return (bits + 7) / 8 }

// NodeRefBytes is the size of a node reference: identifier plus address.
func NodeRefBytes(bits int) int { return IDBytes(bits) + AddrBytes }
